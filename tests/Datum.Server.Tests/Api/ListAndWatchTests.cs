using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>Selectors, pagination and watch of a declared kind.</summary>
public sealed class ListAndWatchTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    private static string Widgets(string ns) => $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/widgets";

    private async Task<JsonObject> CreateAsync(string ns, string name, JsonObject? labels = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null) meta["labels"] = labels;
        var response = await Admin.PostAsync(Widgets(ns), new JsonObject { ["metadata"] = meta, ["spec"] = new JsonObject { ["replicas"] = 1 } });
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Object;
    }

    private static List<string> Names(ApiResponse list) =>
        list.Object["items"]!.AsArray().Select(i => i.Str("metadata.name")!).ToList();

    private static string Escape(string value) => Uri.EscapeDataString(value);

    [Fact]
    public async Task LabelSelectorWithSetAndAbsenceRequirements()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "a1", new JsonObject { ["app"] = "a" });
        await CreateAsync(ns, "b1", new JsonObject { ["app"] = "b" });
        await CreateAsync(ns, "c1", new JsonObject { ["app"] = "c" });
        await CreateAsync(ns, "a2", new JsonObject { ["app"] = "a", ["legacy"] = "true" });
        await CreateAsync(ns, "none");

        var list = await Admin.GetAsync($"{Widgets(ns)}?labelSelector={Escape("app in (a,b),!legacy")}");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal("WidgetList", list.Object.Str("kind"));
        Assert.Equal(["a1", "b1"], Names(list).Order(StringComparer.Ordinal));

        Assert.Equal(["a1", "a2"], Names(await Admin.GetAsync($"{Widgets(ns)}?labelSelector={Escape("app=a")}")).Order(StringComparer.Ordinal));
        Assert.Equal(["a1", "a2", "b1", "c1"], Names(await Admin.GetAsync($"{Widgets(ns)}?labelSelector=app")).Order(StringComparer.Ordinal));
        Assert.Equal(["b1", "c1", "none"], Names(await Admin.GetAsync($"{Widgets(ns)}?labelSelector={Escape("app notin (a)")}")).Order(StringComparer.Ordinal));
        Assert.Equal(["a1", "b1", "c1", "none"], Names(await Admin.GetAsync($"{Widgets(ns)}?labelSelector={Escape("!legacy")}")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MalformedLabelSelectorIsBadRequest()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.GetAsync($"{Widgets(ns)}?labelSelector={Escape("app in (a")}");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", response.Object.Str("reason"));
    }

    [Fact]
    public async Task FieldSelectorOnName()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "x");
        await CreateAsync(ns, "y");
        Assert.Equal(["x"], Names(await Admin.GetAsync($"{Widgets(ns)}?fieldSelector={Escape("metadata.name=x")}")));
        Assert.Equal(["y"], Names(await Admin.GetAsync($"{Widgets(ns)}?fieldSelector={Escape("metadata.name!=x")}")));
        Assert.Equal(["x", "y"], Names(await Admin.GetAsync($"{Widgets(ns)}?fieldSelector={Escape($"metadata.namespace={ns}")}")).Order(StringComparer.Ordinal));
        Assert.Empty(Names(await Admin.GetAsync($"{Widgets(ns)}?fieldSelector={Escape("metadata.name=z")}")));
    }

    [Fact]
    public async Task UnknownFieldSelectorIsBadRequest()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "x");
        var response = await Admin.GetAsync($"{Widgets(ns)}?fieldSelector={Escape("spec.color=red")}");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", response.Object.Str("reason"));
        Assert.Contains("spec.color", response.Object.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAcrossNamespacesFindsEveryNamespace()
    {
        var ns1 = await fixture.NewNamespaceAsync();
        var ns2 = await fixture.NewNamespaceAsync();
        var marker = Guid.NewGuid().ToString("N")[..10];
        await CreateAsync(ns1, "w", new JsonObject { ["run"] = marker });
        await CreateAsync(ns2, "w", new JsonObject { ["run"] = marker });
        var list = await Admin.GetAsync($"/apis/{WidgetKind.Group}/{WidgetKind.Version}/widgets?labelSelector=run%3D{marker}");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(new[] { ns1, ns2 }.Order(StringComparer.Ordinal), list.Object["items"]!.AsArray().Select(i => i.Str("metadata.namespace")!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PaginationIsAConsistentSnapshot()
    {
        var ns = await fixture.NewNamespaceAsync();
        foreach (var name in new[] { "p1", "p2", "p3", "p4", "p5" }) await CreateAsync(ns, name);

        var seen = new List<string>();
        var first = await Admin.GetAsync($"{Widgets(ns)}?limit=2");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var listRv = first.Object.Str("metadata.resourceVersion");
        Assert.False(string.IsNullOrEmpty(listRv));
        Assert.Equal(2, Names(first).Count);
        seen.AddRange(Names(first));
        var token = first.Object.Str("metadata.continue");
        Assert.False(string.IsNullOrEmpty(token));

        // Created between pages, sorting inside the remaining range: a snapshot list must not show it.
        await CreateAsync(ns, "p3a");
        await Admin.MergePatchAsync($"{Widgets(ns)}/p4", Json.Obj("""{"metadata":{"labels":{"changed":"after-page-1"}}}"""));

        var pages = 1;
        while (!string.IsNullOrEmpty(token))
        {
            var page = await Admin.GetAsync($"{Widgets(ns)}?limit=2&continue={Escape(token)}");
            Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
            Assert.Equal(listRv, page.Object.Str("metadata.resourceVersion"));
            Assert.InRange(Names(page).Count, 1, 2);
            seen.AddRange(Names(page));
            foreach (var item in page.Object["items"]!.AsArray())
            {
                Assert.Null(item.At("metadata.labels.changed"));
            }
            token = page.Object.Str("metadata.continue");
            Assert.True(++pages <= 3, "too many pages");
        }
        Assert.Equal(3, pages);
        Assert.Equal(["p1", "p2", "p3", "p4", "p5"], seen);

        // A fresh list sees the new object.
        Assert.Contains("p3a", Names(await Admin.GetAsync(Widgets(ns))));
    }

    [Fact]
    public async Task InvalidContinueTokenIsBadRequest()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.GetAsync($"{Widgets(ns)}?limit=2&continue=not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }

    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithSyntheticAdded()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "e1");
        await CreateAsync(ns, "e2");
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true");
        Assert.Equal(HttpStatusCode.OK, watch.Response.StatusCode);

        var initial = new[] { await watch.NextChangeAsync(), await watch.NextChangeAsync() };
        Assert.All(initial, e => Assert.Equal("ADDED", e.Str("type")));
        Assert.Equal(["e1", "e2"], initial.Select(e => e["object"].Str("metadata.name")!).Order(StringComparer.Ordinal));
        Assert.All(initial, e => Assert.Equal("Widget", e["object"].Str("kind")));

        await CreateAsync(ns, "e3");
        var added = await watch.NextChangeAsync();
        Assert.Equal("ADDED", added.Str("type"));
        Assert.Equal("e3", added["object"].Str("metadata.name"));

        var patched = await Admin.MergePatchAsync($"{Widgets(ns)}/e1", Json.Obj("""{"spec":{"replicas":2}}"""));
        var modified = await watch.NextChangeAsync();
        Assert.Equal("MODIFIED", modified.Str("type"));
        Assert.Equal("e1", modified["object"].Str("metadata.name"));
        Assert.Equal(2, modified["object"].Long("spec.replicas"));
        Assert.Equal(patched.Object.Str("metadata.resourceVersion"), modified["object"].Str("metadata.resourceVersion"));

        await Admin.DeleteAsync($"{Widgets(ns)}/e2");
        var deleted = await watch.NextChangeAsync();
        Assert.Equal("DELETED", deleted.Str("type"));
        Assert.Equal("e2", deleted["object"].Str("metadata.name"));
    }

    [Fact]
    public async Task WatchFromAResourceVersionSendsOnlyLaterChanges()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "r1");
        var patched = await Admin.MergePatchAsync($"{Widgets(ns)}/r1", Json.Obj("""{"spec":{"replicas":2}}"""));
        var from = patched.Object.Str("metadata.resourceVersion");
        await CreateAsync(ns, "r2");
        await Admin.MergePatchAsync($"{Widgets(ns)}/r1", Json.Obj("""{"spec":{"replicas":3}}"""));

        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion={from}");
        var first = await watch.NextChangeAsync();
        Assert.Equal("ADDED", first.Str("type"));
        Assert.Equal("r2", first["object"].Str("metadata.name"));
        var second = await watch.NextChangeAsync();
        Assert.Equal("MODIFIED", second.Str("type"));
        Assert.Equal("r1", second["object"].Str("metadata.name"));
        Assert.Equal(3, second["object"].Long("spec.replicas"));
        Assert.Null(await watch.TryNextChangeAsync(TimeSpan.FromMilliseconds(300)));

        await CreateAsync(ns, "r3");
        var live = await watch.NextChangeAsync();
        Assert.Equal("ADDED", live.Str("type"));
        Assert.Equal("r3", live["object"].Str("metadata.name"));
    }

    [Fact]
    public async Task WatchWithALabelSelectorReportsObjectsEnteringAndLeavingTheSelection()
    {
        var ns = await fixture.NewNamespaceAsync();
        var leaving = await CreateAsync(ns, "leaving", new JsonObject { ["app"] = "x" });
        await CreateAsync(ns, "joining", new JsonObject { ["app"] = "y" });

        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&labelSelector=app%3Dx&resourceVersion={leaving.Str("metadata.resourceVersion")}");

        await Admin.MergePatchAsync($"{Widgets(ns)}/leaving", Json.Obj("""{"spec":{"replicas":2}}"""));
        var modified = await watch.NextChangeAsync();
        Assert.Equal("MODIFIED", modified.Str("type"));
        Assert.Equal("leaving", modified["object"].Str("metadata.name"));

        await Admin.MergePatchAsync($"{Widgets(ns)}/leaving", Json.Obj("""{"metadata":{"labels":{"app":"z"}}}"""));
        var deleted = await watch.NextChangeAsync();
        Assert.Equal("DELETED", deleted.Str("type"));
        Assert.Equal("leaving", deleted["object"].Str("metadata.name"));

        await Admin.MergePatchAsync($"{Widgets(ns)}/joining", Json.Obj("""{"spec":{"replicas":5}}""")); // not selected: no event
        await Admin.MergePatchAsync($"{Widgets(ns)}/joining", Json.Obj("""{"metadata":{"labels":{"app":"x"}}}"""));
        var added = await watch.NextChangeAsync();
        Assert.Equal("ADDED", added.Str("type"));
        Assert.Equal("joining", added["object"].Str("metadata.name"));
        Assert.Equal("x", added["object"].Str("metadata.labels.app"));

        await CreateAsync(ns, "other", new JsonObject { ["app"] = "q" });
        Assert.Null(await watch.TryNextChangeAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task WatchWithBookmarksSendsBookmarksCarryingOnlyTheResourceVersion()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "b");
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&allowWatchBookmarks=true&resourceVersion={created.Str("metadata.resourceVersion")}");
        var clock = Stopwatch.StartNew();
        JsonObject? bookmark = null;
        while (bookmark is null && clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            var e = await watch.NextAsync(TimeSpan.FromSeconds(8));
            Assert.NotNull(e);
            if (e.Str("type") == "BOOKMARK") bookmark = e;
        }
        Assert.NotNull(bookmark);
        var obj = bookmark["object"]!.AsObject();
        Assert.Equal("Widget", obj.Str("kind"));
        var meta = obj["metadata"]!.AsObject();
        Assert.Equal(["resourceVersion"], meta.Select(p => p.Key));
        Assert.True(obj.Long("metadata.resourceVersion") >= created.Long("metadata.resourceVersion"));
        Assert.Null(obj["spec"]);
    }

    [Fact]
    public async Task WatchWithoutBookmarksGetsNone()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "b");
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion={created.Str("metadata.resourceVersion")}");
        await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => watch.NextAsync(TimeSpan.FromMilliseconds(2500)));
    }

    [Fact]
    public async Task WatchTimeoutEndsTheStreamCleanly()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "t");
        var clock = Stopwatch.StartNew();
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&timeoutSeconds=2");
        Assert.Equal(HttpStatusCode.OK, watch.Response.StatusCode);
        var added = await watch.NextChangeAsync();
        Assert.Equal("ADDED", added.Str("type"));
        var end = await watch.NextAsync(TimeSpan.FromSeconds(8));
        Assert.Null(end);
        Assert.True(watch.Ended);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(8));
    }
}

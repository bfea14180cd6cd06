using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>Requests from before compacted history get 410 Expired. Own server: compaction would disturb other tests.</summary>
public sealed class CompactionTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    private static string Widgets(string ns) => $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/widgets";

    private async Task<(string Ns, string FirstRv)> WriteAndCompactAsync()
    {
        var ns = await fixture.NewNamespaceAsync();
        string? firstRv = null;
        for (var i = 0; i < 5; i++)
        {
            var created = await Admin.PostAsync(Widgets(ns), new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"c{i}" } });
            Assert.Equal(HttpStatusCode.Created, created.Status);
            firstRv ??= created.Object.Str("metadata.resourceVersion");
            var patched = await Admin.MergePatchAsync($"{Widgets(ns)}/c{i}", Json.Obj("""{"spec":{"replicas":2}}"""));
            Assert.Equal(HttpStatusCode.OK, patched.Status);
        }
        await fixture.Server.Store.CompactAsync(fixture.Server.Store.CurrentRevision, CancellationToken.None);
        return (ns, firstRv!);
    }

    [Fact]
    public async Task WatchFromACompactedResourceVersionGetsOneExpiredErrorEvent()
    {
        var (ns, _) = await WriteAndCompactAsync();
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion=1");
        Assert.Equal(HttpStatusCode.OK, watch.Response.StatusCode);
        var error = await watch.NextAsync();
        Assert.NotNull(error);
        Assert.Equal("ERROR", error.Str("type"));
        var status = error["object"]!.AsObject();
        Assert.Equal("Status", status.Str("kind"));
        Assert.Equal("Failure", status.Str("status"));
        Assert.Equal(410, status.Long("code"));
        Assert.Equal("Expired", status.Str("reason"));
        Assert.Contains("too old resource version", status.Str("message"), StringComparison.Ordinal);
        Assert.Null(await watch.NextAsync());
    }

    [Fact]
    public async Task WatchFromTheCurrentRevisionAfterCompactionWorks()
    {
        var (ns, _) = await WriteAndCompactAsync();
        var list = await Admin.GetAsync(Widgets(ns));
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion={list.Object.Str("metadata.resourceVersion")}");
        await Admin.MergePatchAsync($"{Widgets(ns)}/c0", Json.Obj("""{"spec":{"replicas":4}}"""));
        var modified = await watch.NextChangeAsync();
        Assert.Equal("MODIFIED", modified.Str("type"));
        Assert.Equal(4, modified["object"].Long("spec.replicas"));
    }

    [Fact]
    public async Task ContinueTokenFromBeforeCompactionIsExpired()
    {
        var ns = await fixture.NewNamespaceAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync(Widgets(ns), new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"p{i}" } })).Status);
        }
        var first = await Admin.GetAsync($"{Widgets(ns)}?limit=1");
        var token = first.Object.Str("metadata.continue")!;
        await Admin.MergePatchAsync($"{Widgets(ns)}/p0", Json.Obj("""{"spec":{"replicas":2}}"""));
        await fixture.Server.Store.CompactAsync(fixture.Server.Store.CurrentRevision, CancellationToken.None);

        var next = await Admin.GetAsync($"{Widgets(ns)}?limit=1&continue={Uri.EscapeDataString(token)}");
        Assert.Equal(HttpStatusCode.Gone, next.Status);
        Assert.Equal("Expired", next.Object.Str("reason"));
    }
}

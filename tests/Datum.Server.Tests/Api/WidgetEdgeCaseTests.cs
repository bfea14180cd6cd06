using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>Preconditions, dry run of every verb, request-shape errors, deletecollection and watch variants.</summary>
public sealed class WidgetEdgeCaseTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    private static string Widgets(string ns) => $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/widgets";

    private async Task<JsonObject> CreateAsync(string ns, string name, JsonObject? labels = null, int replicas = 1)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null) meta["labels"] = labels;
        var response = await Admin.PostAsync(Widgets(ns), new JsonObject { ["metadata"] = meta, ["spec"] = new JsonObject { ["replicas"] = replicas } });
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Object;
    }

    private async Task<JsonObject> GetAsync(string ns, string name)
    {
        var response = await Admin.GetAsync($"{Widgets(ns)}/{name}");
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        return response.Object;
    }

    [Fact]
    public async Task MergePatchWithAStaleResourceVersionIsAConflict()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "w");
        await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"replicas":2}}"""));
        var stale = await Admin.MergePatchAsync($"{Widgets(ns)}/w", new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = created.Str("metadata.resourceVersion") },
            ["spec"] = new JsonObject { ["replicas"] = 3 },
        });
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal(2, (await GetAsync(ns, "w")).Long("spec.replicas"));
    }

    [Fact]
    public async Task StatusPutWithAStaleResourceVersionIsAConflict()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "w");
        await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"metadata":{"labels":{"x":"y"}}}"""));
        var body = created.DeepClone().AsObject();
        body["status"] = new JsonObject { ["ready"] = true };
        var put = await Admin.PutAsync($"{Widgets(ns)}/w/status", body);
        Assert.Equal(HttpStatusCode.Conflict, put.Status);
        Assert.Null((await GetAsync(ns, "w"))["status"]);
    }

    [Fact]
    public async Task DeletePreconditionsAreChecked()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "w");
        await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"replicas":2}}"""));

        var staleRv = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/w", new JsonObject
        {
            ["kind"] = "DeleteOptions", ["apiVersion"] = "v1",
            ["preconditions"] = new JsonObject { ["resourceVersion"] = created.Str("metadata.resourceVersion") },
        });
        Assert.Equal(HttpStatusCode.Conflict, staleRv.Status);

        var wrongUid = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/w", new JsonObject
        {
            ["preconditions"] = new JsonObject { ["uid"] = Guid.NewGuid().ToString() },
        });
        Assert.Equal(HttpStatusCode.Conflict, wrongUid.Status);
        await GetAsync(ns, "w");

        var right = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/w", new JsonObject
        {
            ["preconditions"] = new JsonObject { ["uid"] = created.Str("metadata.uid") },
        });
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/w")).Status);
    }

    [Fact]
    public async Task DryRunPatchPutAndDeleteChangeNothing()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "w");

        var patch = await Admin.SendAsync(HttpMethod.Patch, $"{Widgets(ns)}/w?dryRun=All", Json.Obj("""{"spec":{"replicas":5}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        Assert.Equal(5, patch.Object.Long("spec.replicas"));
        Assert.Equal(2, patch.Object.Long("metadata.generation"));

        var replacement = created.DeepClone().AsObject();
        replacement["spec"]!["replicas"] = 6;
        var put = await Admin.SendAsync(HttpMethod.Put, $"{Widgets(ns)}/w?dryRun=All", replacement);
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal(6, put.Object.Long("spec.replicas"));

        var delete = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/w?dryRun=All");
        Assert.Equal(HttpStatusCode.OK, delete.Status);

        var current = await GetAsync(ns, "w");
        Assert.True(JsonNode.DeepEquals(created, current), current.ToJsonString());
    }

    [Fact]
    public async Task InvalidDryRunValueIsBadRequest()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.SendAsync(HttpMethod.Post, $"{Widgets(ns)}?dryRun=Some", Json.Obj("""{"metadata":{"name":"w"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/w")).Status);
    }

    [Fact]
    public async Task UnknownFieldInAPatchFollowsFieldValidation()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "w");
        var strict = await Admin.SendAsync(HttpMethod.Patch, $"{Widgets(ns)}/w?fieldValidation=Strict", Json.Obj("""{"spec":{"replicas":4,"bogus":1}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.BadRequest, strict.Status);
        Assert.Equal("strict decoding error: unknown field \"spec.bogus\"", strict.Object.Str("message"));
        Assert.Equal(1, (await GetAsync(ns, "w")).Long("spec.replicas"));

        var warn = await Admin.SendAsync(HttpMethod.Patch, $"{Widgets(ns)}/w?fieldValidation=Warn", Json.Obj("""{"spec":{"replicas":4,"bogus":1}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, warn.Status);
        Assert.Contains(warn.Warnings, w => w.Contains("spec.bogus", StringComparison.Ordinal));
        Assert.Equal(4, warn.Object.Long("spec.replicas"));
        Assert.Null(warn.Object["spec"]!["bogus"]);
    }

    private async Task<(HttpStatusCode Status, string Text, HttpResponseMessage Message)> PostRawAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        var response = await Admin.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private const string DuplicateReplicas = """{"metadata":{"name":"w"},"spec":{"replicas":1,"replicas":2}}""";

    [Fact]
    public async Task DuplicateFieldUnderStrictIsBadRequestAndNotStored()
    {
        var ns = await fixture.NewNamespaceAsync();
        var (status, text, _) = await PostRawAsync($"{Widgets(ns)}?fieldValidation=Strict", DuplicateReplicas);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("strict decoding error: ", JsonNode.Parse(text).Str("message"), StringComparison.Ordinal);
        Assert.Contains("replicas", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/w")).Status);
    }

    [Fact]
    public async Task DuplicateFieldWithoutStrictIsCreatedLastValueWins()
    {
        var ns = await fixture.NewNamespaceAsync();
        var (status, text, message) = await PostRawAsync($"{Widgets(ns)}?fieldValidation=Warn", DuplicateReplicas);
        Assert.True(status == HttpStatusCode.Created, text);
        Assert.Contains(message.Headers.GetValues("Warning"), w => w.Contains("duplicate field", StringComparison.Ordinal) && w.Contains("replicas", StringComparison.Ordinal));
        Assert.Equal(2, JsonNode.Parse(text).Long("spec.replicas"));

        (status, text, message) = await PostRawAsync($"{Widgets(ns)}?fieldValidation=Ignore", DuplicateReplicas.Replace("\"w\"", "\"w2\"", StringComparison.Ordinal));
        Assert.True(status == HttpStatusCode.Created, text);
        Assert.False(message.Headers.Contains("Warning"));

        (status, text, _) = await PostRawAsync(Widgets(ns), DuplicateReplicas.Replace("\"w\"", "\"w3\"", StringComparison.Ordinal));
        Assert.True(status == HttpStatusCode.Created, text);
    }

    [Fact]
    public async Task DuplicateFieldMessageUsesKubernetesWording()
    {
        var ns = await fixture.NewNamespaceAsync();
        var (status, text, _) = await PostRawAsync($"{Widgets(ns)}?fieldValidation=Strict", DuplicateReplicas);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("strict decoding error: duplicate field \"spec.replicas\"", JsonNode.Parse(text).Str("message"));
    }

    [Fact]
    public async Task ConcurrentCreatesOfOneNameHaveExactlyOneWinner()
    {
        var ns = await fixture.NewNamespaceAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Admin.PostAsync(Widgets(ns), new JsonObject { ["metadata"] = new JsonObject { ["name"] = "race" }, ["spec"] = new JsonObject { ["replicas"] = i } })));
        Assert.Single(responses, r => r.Status == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.Equal("AlreadyExists", r.Object.Str("reason"));
        });
        var winner = responses.Single(r => r.Status == HttpStatusCode.Created).Object;
        Assert.Equal(winner.Long("spec.replicas"), (await GetAsync(ns, "race")).Long("spec.replicas"));
    }

    [Fact]
    public async Task PutAndPatchOfAMissingObjectAreNotFound()
    {
        var ns = await fixture.NewNamespaceAsync();
        var put = await Admin.PutAsync($"{Widgets(ns)}/ghost", Json.Obj("""{"metadata":{"name":"ghost"},"spec":{"replicas":1}}"""));
        Assert.Equal(HttpStatusCode.NotFound, put.Status);
        var patch = await Admin.MergePatchAsync($"{Widgets(ns)}/ghost", Json.Obj("""{"spec":{"replicas":1}}"""));
        Assert.Equal(HttpStatusCode.NotFound, patch.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/ghost")).Status);
    }

    [Fact]
    public async Task NameAndNamespaceMismatchesAreBadRequest()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "w");
        var renamed = created.DeepClone().AsObject();
        renamed["metadata"]!["name"] = "other";
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin.PutAsync($"{Widgets(ns)}/w", renamed)).Status);

        var elsewhere = Json.Obj("""{"metadata":{"name":"x","namespace":"somewhere-else"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin.PostAsync(Widgets(ns), elsewhere)).Status);
    }

    [Fact]
    public async Task InvalidNameAndLabelsAreInvalid()
    {
        var ns = await fixture.NewNamespaceAsync();
        var badName = await Admin.PostAsync(Widgets(ns), Json.Obj("""{"metadata":{"name":"Not_Valid"}}"""));
        Assert.Equal((HttpStatusCode)422, badName.Status);
        Assert.Contains(badName.Object["details"]!["causes"]!.AsArray(), c => c.Str("field") == "metadata.name");

        var badLabel = await Admin.PostAsync(Widgets(ns), Json.Obj("""{"metadata":{"name":"ok","labels":{"a":"has spaces"}}}"""));
        Assert.Equal((HttpStatusCode)422, badLabel.Status);
        Assert.Contains(badLabel.Object["details"]!["causes"]!.AsArray(), c => c.Str("field")!.StartsWith("metadata.labels", StringComparison.Ordinal));

        var wrongType = await Admin.PostAsync(Widgets(ns), Json.Obj("""{"metadata":{"name":"ok"},"spec":{"replicas":"three"}}"""));
        Assert.Equal((HttpStatusCode)422, wrongType.Status);
        Assert.Contains(wrongType.Object["details"]!["causes"]!.AsArray(), c => c.Str("field") == "spec.replicas");
        Assert.Empty((await Admin.GetAsync(Widgets(ns))).Object["items"]!.AsArray());
    }

    [Fact]
    public async Task MalformedPatchesAreRejected()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "w");
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Widgets(ns)}/w")
        {
            Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/merge-patch+json"),
        };
        using var malformed = await Admin.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var badOp = await Admin.JsonPatchAsync($"{Widgets(ns)}/w", JsonNode.Parse("""[{"op":"frobnicate","path":"/spec"}]""")!);
        Assert.True(badOp.Status is HttpStatusCode.BadRequest or (HttpStatusCode)422, badOp.ToString());

        var missingPath = await Admin.JsonPatchAsync($"{Widgets(ns)}/w", JsonNode.Parse("""[{"op":"remove","path":"/spec/nothing/here"}]""")!);
        Assert.Equal((HttpStatusCode)422, missingPath.Status);
        Assert.Equal(1, (await GetAsync(ns, "w")).Long("metadata.generation"));
    }

    [Fact]
    public async Task StatusSubresourceOfAKindWithoutOneIsNotFound()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await Admin.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json.Obj("""{"metadata":{"name":"c"},"data":{"a":"b"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"/api/v1/namespaces/{ns}/configmaps/c/status")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/gadgets")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"/apis/nothing.example.com/v1/namespaces/{ns}/widgets")).Status);
    }

    [Fact]
    public async Task DeletingATerminatingObjectAgainKeepsItsDeletionTimestamp()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await Admin.PostAsync(Widgets(ns), Json.Obj("""{"metadata":{"name":"w","finalizers":["example.com/hold"]}}"""));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var first = await Admin.DeleteAsync($"{Widgets(ns)}/w");
        await Task.Delay(1100);
        var second = await Admin.DeleteAsync($"{Widgets(ns)}/w");
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Object.Str("metadata.deletionTimestamp"), second.Object.Str("metadata.deletionTimestamp"));
        Assert.Equal(first.Object.Str("metadata.resourceVersion"), second.Object.Str("metadata.resourceVersion"));
    }

    [Fact]
    public async Task DeleteCollectionDeletesOnlyTheSelectedObjects()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "keep", new JsonObject { ["tier"] = "keep" });
        await CreateAsync(ns, "drop1", new JsonObject { ["tier"] = "drop" });
        await CreateAsync(ns, "drop2", new JsonObject { ["tier"] = "drop" });
        var list = await Admin.GetAsync(Widgets(ns));
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion={list.Object.Str("metadata.resourceVersion")}");

        var response = await Admin.DeleteAsync($"{Widgets(ns)}?labelSelector=tier%3Ddrop");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var remaining = (await Admin.GetAsync(Widgets(ns))).Object["items"]!.AsArray().Select(i => i.Str("metadata.name")).ToList();
        Assert.Equal(["keep"], remaining);

        var events = new[] { await watch.NextChangeAsync(), await watch.NextChangeAsync() };
        Assert.All(events, e => Assert.Equal("DELETED", e.Str("type")));
        Assert.Equal(["drop1", "drop2"], events.Select(e => e["object"].Str("metadata.name")!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PaginationWithALabelSelector()
    {
        var ns = await fixture.NewNamespaceAsync();
        for (var i = 0; i < 6; i++) await CreateAsync(ns, $"s{i}", new JsonObject { ["even"] = (i % 2 == 0).ToString().ToLowerInvariant() });
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Admin.GetAsync($"{Widgets(ns)}?limit=2&labelSelector=even%3Dtrue" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}"));
            Assert.Equal(HttpStatusCode.OK, page.Status);
            seen.AddRange(page.Object["items"]!.AsArray().Select(i => i.Str("metadata.name")!));
            token = page.Object.Str("metadata.continue");
            Assert.True(++pages <= 4);
        }
        while (!string.IsNullOrEmpty(token));
        Assert.Equal(["s0", "s2", "s4"], seen);
    }

    [Fact]
    public async Task WatchWithANameFieldSelectorSeesOnlyThatObject()
    {
        var ns = await fixture.NewNamespaceAsync();
        var list = await Admin.GetAsync(Widgets(ns));
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&fieldSelector=metadata.name%3Dme&resourceVersion={list.Object.Str("metadata.resourceVersion")}");
        await CreateAsync(ns, "notme");
        await CreateAsync(ns, "me");
        var added = await watch.NextChangeAsync();
        Assert.Equal("ADDED", added.Str("type"));
        Assert.Equal("me", added["object"].Str("metadata.name"));
        await Admin.DeleteAsync($"{Widgets(ns)}/notme");
        await Admin.DeleteAsync($"{Widgets(ns)}/me");
        var deleted = await watch.NextChangeAsync();
        Assert.Equal("DELETED", deleted.Str("type"));
        Assert.Equal("me", deleted["object"].Str("metadata.name"));
    }

    [Fact]
    public async Task DeletedEventCarriesTheDeletionResourceVersion()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, "w");
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion={created.Str("metadata.resourceVersion")}");
        await Admin.DeleteAsync($"{Widgets(ns)}/w");
        var deleted = await watch.NextChangeAsync();
        Assert.Equal("DELETED", deleted.Str("type"));
        Assert.True(deleted["object"].Long("metadata.resourceVersion") > created.Long("metadata.resourceVersion"));
        var list = await Admin.GetAsync(Widgets(ns));
        Assert.True(list.Object.Long("metadata.resourceVersion") >= deleted["object"].Long("metadata.resourceVersion"));
    }

    [Fact]
    public async Task WatchListSendsInitialEventsThenAnAnnotatedBookmark()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, "a");
        await CreateAsync(ns, "b");
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        var first = await watch.NextChangeAsync();
        var second = await watch.NextChangeAsync();
        Assert.Equal(["a", "b"], new[] { first, second }.Select(e => e["object"].Str("metadata.name")!).Order(StringComparer.Ordinal));
        Assert.All(new[] { first, second }, e => Assert.Equal("ADDED", e.Str("type")));
        var bookmark = await watch.NextAsync();
        Assert.Equal("BOOKMARK", bookmark.Str("type"));
        Assert.Equal("true", bookmark!["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendInitialEventsWithoutNotOlderThanIsInvalid()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.GetAsync($"{Widgets(ns)}?watch=true&sendInitialEvents=true");
        Assert.Equal((HttpStatusCode)422, response.Status);
    }

    [Fact]
    public async Task ListAtResourceVersionZeroAndExact()
    {
        var ns = await fixture.NewNamespaceAsync();
        var first = await CreateAsync(ns, "v1");
        await CreateAsync(ns, "v2");
        var zero = await Admin.GetAsync($"{Widgets(ns)}?resourceVersion=0");
        Assert.Equal(HttpStatusCode.OK, zero.Status);
        Assert.Equal(2, zero.Object["items"]!.AsArray().Count);

        var exact = await Admin.GetAsync($"{Widgets(ns)}?resourceVersion={first.Str("metadata.resourceVersion")}&resourceVersionMatch=Exact");
        Assert.Equal(HttpStatusCode.OK, exact.Status);
        Assert.Equal(["v1"], exact.Object["items"]!.AsArray().Select(i => i.Str("metadata.name")));
        Assert.Equal(first.Str("metadata.resourceVersion"), exact.Object.Str("metadata.resourceVersion"));
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>Create, validation, generation, concurrency, patch and finalizer semantics of a declared kind.</summary>
public sealed class WidgetWriteTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    private static string Widgets(string ns) => $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/widgets";

    private static JsonObject Widget(string name, JsonObject? spec = null, JsonObject? labels = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null) meta["labels"] = labels;
        return new JsonObject
        {
            ["apiVersion"] = $"{WidgetKind.Group}/{WidgetKind.Version}",
            ["kind"] = "Widget",
            ["metadata"] = meta,
            ["spec"] = spec ?? new JsonObject { ["replicas"] = 1 },
        };
    }

    private async Task<JsonObject> CreateAsync(string ns, JsonObject widget)
    {
        var response = await Admin.PostAsync(Widgets(ns), widget);
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Object;
    }

    private async Task AssertNothingStoredAsync(string ns, string name)
    {
        var get = await Admin.GetAsync($"{Widgets(ns)}/{name}");
        Assert.Equal(HttpStatusCode.NotFound, get.Status);
        Assert.Equal("NotFound", get.Object.Str("reason"));
        var list = await Admin.GetAsync(Widgets(ns));
        Assert.Empty(list.Object["items"]!.AsArray());
    }

    [Fact]
    public async Task CreateSetsSystemFieldsAndStrategyDefaults()
    {
        var ns = await fixture.NewNamespaceAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);
        var widget = Widget("w1");
        widget["metadata"]!["uid"] = "client-chosen";
        widget["metadata"]!["generation"] = 7;
        var created = await CreateAsync(ns, widget);

        Assert.Equal($"{WidgetKind.Group}/{WidgetKind.Version}", created.Str("apiVersion"));
        Assert.Equal("Widget", created.Str("kind"));
        Assert.Equal(ns, created.Str("metadata.namespace"));
        Assert.True(Guid.TryParse(created.Str("metadata.uid"), out _), created.Str("metadata.uid"));
        var timestamp = DateTimeOffset.Parse(created.Str("metadata.creationTimestamp")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.True(created.Long("metadata.resourceVersion") > 0);
        Assert.Equal(1, created.Long("metadata.generation"));
        Assert.Equal("red", created.Str("spec.color"));
        Assert.Equal(1, created.Long("spec.replicas"));

        var get = await Admin.GetAsync($"{Widgets(ns)}/w1");
        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.True(JsonNode.DeepEquals(created, get.Object), $"{created.ToJsonString()} vs {get.Text}");
    }

    [Fact]
    public async Task ExplicitColorIsKept()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, Widget("w", new JsonObject { ["color"] = "blue" }));
        Assert.Equal("blue", created.Str("spec.color"));
    }

    [Fact]
    public async Task GenerateNameMakesAUniqueName()
    {
        var ns = await fixture.NewNamespaceAsync();
        var body = Widget("ignored");
        body["metadata"] = new JsonObject { ["generateName"] = "gen-" };
        var first = await CreateAsync(ns, (JsonObject)body.DeepClone());
        var second = await CreateAsync(ns, (JsonObject)body.DeepClone());
        var name = first.Str("metadata.name")!;
        Assert.StartsWith("gen-", name, StringComparison.Ordinal);
        Assert.True(name.Length > "gen-".Length);
        Assert.Equal("gen-", first.Str("metadata.generateName"));
        Assert.NotEqual(name, second.Str("metadata.name"));
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync($"{Widgets(ns)}/{name}")).Status);
    }

    [Fact]
    public async Task StatusSentOnCreateIsDropped()
    {
        var ns = await fixture.NewNamespaceAsync();
        var body = Widget("w");
        body["status"] = new JsonObject { ["ready"] = true, ["observedGeneration"] = 5 };
        var created = await CreateAsync(ns, body);
        Assert.Null(created["status"]);
        Assert.Null((await Admin.GetAsync($"{Widgets(ns)}/w")).Object["status"]);
    }

    [Fact]
    public async Task DuplicateNameIsAlreadyExists()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        var again = await Admin.PostAsync(Widgets(ns), Widget("w"));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("AlreadyExists", again.Object.Str("reason"));
    }

    [Fact]
    public async Task NegativeReplicasIsInvalidAndNotStored()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.PostAsync(Widgets(ns), Widget("w", new JsonObject { ["replicas"] = -1 }));
        Assert.Equal((HttpStatusCode)422, response.Status);
        var status = response.Object;
        Assert.Equal("Status", status.Str("kind"));
        Assert.Equal("Invalid", status.Str("reason"));
        Assert.Equal(422, status.Long("code"));
        Assert.Equal("Widget.example.datumapis.com \"w\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0", status.Str("message"));
        Assert.Equal("w", status.Str("details.name"));
        Assert.Equal(WidgetKind.Group, status.Str("details.group"));
        Assert.Equal("Widget", status.Str("details.kind"));
        var cause = Assert.Single(status["details"]!["causes"]!.AsArray());
        Assert.Equal("spec.replicas", cause.Str("field"));
        Assert.Equal("FieldValueInvalid", cause.Str("reason"));
        Assert.Equal("Invalid value: -1: must be greater than or equal to 0", cause.Str("message"));
        await AssertNothingStoredAsync(ns, "w");
    }

    [Fact]
    public async Task ColorOutsideTheEnumIsNotSupported()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.PostAsync(Widgets(ns), Widget("w", new JsonObject { ["color"] = "purple" }));
        Assert.Equal((HttpStatusCode)422, response.Status);
        Assert.Equal("Invalid", response.Object.Str("reason"));
        var cause = Assert.Single(response.Object["details"]!["causes"]!.AsArray());
        Assert.Equal("spec.color", cause.Str("field"));
        Assert.Equal("FieldValueNotSupported", cause.Str("reason"));
        Assert.Contains("spec.color: Unsupported value: \"purple\": supported values: \"red\", \"green\", \"blue\"", response.Object.Str("message"), StringComparison.Ordinal);
        await AssertNothingStoredAsync(ns, "w");
    }

    [Fact]
    public async Task StrategyValidationRejectsTooManyReplicas()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.PostAsync(Widgets(ns), Widget("w", new JsonObject { ["replicas"] = 101 }));
        Assert.Equal((HttpStatusCode)422, response.Status);
        var cause = Assert.Single(response.Object["details"]!["causes"]!.AsArray());
        Assert.Equal("spec.replicas", cause.Str("field"));
        Assert.Equal("FieldValueInvalid", cause.Str("reason"));
        Assert.Equal("Widget.example.datumapis.com \"w\" is invalid: spec.replicas: Invalid value: 101: must be less than or equal to 100", response.Object.Str("message"));
        await AssertNothingStoredAsync(ns, "w");

        // The same strategy check guards updates.
        await CreateAsync(ns, Widget("w"));
        var patch = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"replicas":500}}"""));
        Assert.Equal((HttpStatusCode)422, patch.Status);
        Assert.Equal(1, (await Admin.GetAsync($"{Widgets(ns)}/w")).Object.Long("spec.replicas"));
    }

    [Fact]
    public async Task UnknownFieldUnderStrictIsBadRequestAndNotStored()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.SendAsync(HttpMethod.Post, Widgets(ns) + "?fieldValidation=Strict", Widget("w", new JsonObject { ["replicas"] = 1, ["bogus"] = true }));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", response.Object.Str("reason"));
        Assert.Equal("strict decoding error: unknown field \"spec.bogus\"", response.Object.Str("message"));
        await AssertNothingStoredAsync(ns, "w");
    }

    [Fact]
    public async Task UnknownFieldUnderWarnIsCreatedWithAWarningAndPruned()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.SendAsync(HttpMethod.Post, Widgets(ns) + "?fieldValidation=Warn", Widget("w", new JsonObject { ["replicas"] = 1, ["bogus"] = true }));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        var warning = Assert.Single(response.Warnings);
        Assert.StartsWith("299 ", warning, StringComparison.Ordinal);
        Assert.Contains("unknown field \\\"spec.bogus\\\"", warning, StringComparison.Ordinal);
        Assert.Null(response.Object["spec"]!["bogus"]);
    }

    [Fact]
    public async Task UnknownFieldWarnsByDefault()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.PostAsync(Widgets(ns), Widget("w", new JsonObject { ["bogus"] = 1 }));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Contains(response.Warnings, w => w.Contains("spec.bogus", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownFieldUnderIgnoreIsCreatedSilently()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.SendAsync(HttpMethod.Post, Widgets(ns) + "?fieldValidation=Ignore", Widget("w", new JsonObject { ["replicas"] = 1, ["bogus"] = true }));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Empty(response.Warnings);
        Assert.Null(response.Object["spec"]!["bogus"]);
    }

    [Fact]
    public async Task DryRunCreateReturnsTheObjectButStoresNothing()
    {
        var ns = await fixture.NewNamespaceAsync();
        var response = await Admin.SendAsync(HttpMethod.Post, Widgets(ns) + "?dryRun=All", Widget("w"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("w", response.Object.Str("metadata.name"));
        Assert.Equal("red", response.Object.Str("spec.color"));
        Assert.NotNull(response.Object.Str("metadata.uid"));
        await AssertNothingStoredAsync(ns, "w");
    }

    [Fact]
    public async Task SpecChangeBumpsGenerationButLabelChangeDoesNot()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, Widget("w"));
        Assert.Equal(1, created.Long("metadata.generation"));

        var labelled = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"metadata":{"labels":{"team":"a"}}}"""));
        Assert.Equal(HttpStatusCode.OK, labelled.Status);
        Assert.Equal("a", labelled.Object.Str("metadata.labels.team"));
        Assert.Equal(1, labelled.Object.Long("metadata.generation"));
        Assert.NotEqual(created.Str("metadata.resourceVersion"), labelled.Object.Str("metadata.resourceVersion"));

        var scaled = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"replicas":3}}"""));
        Assert.Equal(HttpStatusCode.OK, scaled.Status);
        Assert.Equal(2, scaled.Object.Long("metadata.generation"));

        // A full replace with a spec change bumps again; uid and creationTimestamp are kept.
        var replacement = scaled.Object.DeepClone().AsObject();
        replacement["spec"]!["color"] = "green";
        var replaced = await Admin.PutAsync($"{Widgets(ns)}/w", replacement);
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        Assert.Equal(3, replaced.Object.Long("metadata.generation"));
        Assert.Equal(created.Str("metadata.uid"), replaced.Object.Str("metadata.uid"));
        Assert.Equal(created.Str("metadata.creationTimestamp"), replaced.Object.Str("metadata.creationTimestamp"));

        // A no-op patch changes nothing at all.
        var noop = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"color":"green"}}"""));
        Assert.Equal(replaced.Object.Str("metadata.resourceVersion"), noop.Object.Str("metadata.resourceVersion"));
        Assert.Equal(3, noop.Object.Long("metadata.generation"));
    }

    [Fact]
    public async Task StatusSubresourceWritesStatusOnly()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, Widget("w"));

        // PUT /status: status changes, the spec change in the same body is ignored, generation stays.
        var body = created.DeepClone().AsObject();
        body["spec"]!["replicas"] = 9;
        body["metadata"]!["labels"] = new JsonObject { ["ignored"] = "yes" };
        body["status"] = new JsonObject { ["ready"] = true, ["observedGeneration"] = 1 };
        var put = await Admin.PutAsync($"{Widgets(ns)}/w/status", body);
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.True(put.Object["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(1, put.Object.Long("status.observedGeneration"));
        Assert.Equal(1, put.Object.Long("spec.replicas"));
        Assert.Null(put.Object.At("metadata.labels"));
        Assert.Equal(1, put.Object.Long("metadata.generation"));

        // PATCH /status likewise.
        var patch = await Admin.MergePatchAsync($"{Widgets(ns)}/w/status", Json.Obj("""{"status":{"ready":false},"spec":{"replicas":4}}"""));
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        Assert.False(patch.Object["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(1, patch.Object.Long("status.observedGeneration"));
        Assert.Equal(1, patch.Object.Long("spec.replicas"));
        Assert.Equal(1, patch.Object.Long("metadata.generation"));

        // GET /status returns the whole object.
        var get = await Admin.GetAsync($"{Widgets(ns)}/w/status");
        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.False(get.Object["status"]!["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task StatusWrittenThroughTheMainResourceIsIgnored()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        await Admin.MergePatchAsync($"{Widgets(ns)}/w/status", Json.Obj("""{"status":{"ready":true,"observedGeneration":1}}"""));

        var patch = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"status":{"ready":false,"observedGeneration":42}}"""));
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        Assert.True(patch.Object["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(1, patch.Object.Long("status.observedGeneration"));
        Assert.Equal(1, patch.Object.Long("metadata.generation"));

        var current = (await Admin.GetAsync($"{Widgets(ns)}/w")).Object;
        current.Remove("status");
        current["spec"]!["replicas"] = 2;
        var put = await Admin.PutAsync($"{Widgets(ns)}/w", current);
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.True(put.Object["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(2, put.Object.Long("metadata.generation"));
    }

    [Fact]
    public async Task PutWithAStaleResourceVersionIsAConflict()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await CreateAsync(ns, Widget("w"));
        var moved = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"metadata":{"labels":{"touched":"yes"}}}"""));
        Assert.Equal(HttpStatusCode.OK, moved.Status);

        var stale = created.DeepClone().AsObject();
        stale["spec"]!["replicas"] = 7;
        var put = await Admin.PutAsync($"{Widgets(ns)}/w", stale);
        Assert.Equal(HttpStatusCode.Conflict, put.Status);
        Assert.Equal("Conflict", put.Object.Str("reason"));
        Assert.Contains("the object has been modified", put.Object.Str("message"), StringComparison.Ordinal);

        var current = (await Admin.GetAsync($"{Widgets(ns)}/w")).Object;
        Assert.Equal(1, current.Long("spec.replicas"));
        Assert.Equal("yes", current.Str("metadata.labels.touched"));

        // With the current resourceVersion the same write succeeds.
        current["spec"]!["replicas"] = 7;
        var retry = await Admin.PutAsync($"{Widgets(ns)}/w", current);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(7, retry.Object.Long("spec.replicas"));
    }

    [Fact]
    public async Task ConcurrentUnconditionalMergePatchesAreAllApplied()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        const int count = 20;
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            Admin.MergePatchAsync($"{Widgets(ns)}/w", new JsonObject { ["spec"] = new JsonObject { ["tags"] = new JsonObject { [$"t{i}"] = $"v{i}" } } })));
        Assert.All(responses, r => Assert.True(r.Status == HttpStatusCode.OK, r.ToString()));

        var tags = (await Admin.GetAsync($"{Widgets(ns)}/w")).Object["spec"]!["tags"]!.AsObject();
        Assert.Equal(count, tags.Count);
        for (var i = 0; i < count; i++) Assert.Equal($"v{i}", tags[$"t{i}"]!.GetValue<string>());
        Assert.Equal(count + 1, (await Admin.GetAsync($"{Widgets(ns)}/w")).Object.Long("metadata.generation"));
    }

    [Fact]
    public async Task ConcurrentMergePatchesThatSucceedAreNeverLost()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        const int count = 20;
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            Admin.MergePatchAsync($"{Widgets(ns)}/w", new JsonObject { ["spec"] = new JsonObject { ["tags"] = new JsonObject { [$"t{i}"] = $"v{i}" } } })));
        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, r.ToString()));

        var current = (await Admin.GetAsync($"{Widgets(ns)}/w")).Object;
        var tags = current["spec"]!["tags"]!.AsObject();
        for (var i = 0; i < count; i++)
        {
            // Every acknowledged write is in the final object; a rejected one left no trace.
            Assert.Equal(responses[i].Status == HttpStatusCode.OK, tags.ContainsKey($"t{i}"));
        }
        Assert.Equal(1 + responses.Count(r => r.Status == HttpStatusCode.OK), current.Long("metadata.generation"));
    }

    [Fact]
    public async Task MergePatchSetsAndDeletesKeys()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w", Json.Obj("""{"replicas":1,"tags":{"a":"1","b":"2"}}""")));
        var patched = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"tags":{"a":null,"c":"3"},"color":"blue"}}"""));
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.True(JsonNode.DeepEquals(Json.Obj("""{"b":"2","c":"3"}"""), patched.Object["spec"]!["tags"]), patched.Text);
        Assert.Equal("blue", patched.Object.Str("spec.color"));
        Assert.Equal(1, patched.Object.Long("spec.replicas"));
    }

    [Fact]
    public async Task JsonPatchWorksAndAFailedTestOpChangesNothing()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w", Json.Obj("""{"replicas":1,"tags":{"a":"1"}}""")));
        var patch = JsonNode.Parse("""
            [{"op":"test","path":"/spec/replicas","value":1},
             {"op":"replace","path":"/spec/replicas","value":5},
             {"op":"add","path":"/spec/tags/b","value":"2"},
             {"op":"remove","path":"/spec/tags/a"}]
            """)!;
        var patched = await Admin.JsonPatchAsync($"{Widgets(ns)}/w", patch);
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(5, patched.Object.Long("spec.replicas"));
        Assert.True(JsonNode.DeepEquals(Json.Obj("""{"b":"2"}"""), patched.Object["spec"]!["tags"]), patched.Text);

        var failing = await Admin.JsonPatchAsync($"{Widgets(ns)}/w", JsonNode.Parse("""[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":9}]""")!);
        Assert.Equal((HttpStatusCode)422, failing.Status);
        Assert.Equal(5, (await Admin.GetAsync($"{Widgets(ns)}/w")).Object.Long("spec.replicas"));
    }

    [Fact]
    public async Task JsonPatchIsValidatedLikeAnyUpdate()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        var patched = await Admin.JsonPatchAsync($"{Widgets(ns)}/w", JsonNode.Parse("""[{"op":"replace","path":"/spec/replicas","value":-3}]""")!);
        Assert.Equal((HttpStatusCode)422, patched.Status);
        Assert.Equal("spec.replicas", patched.Object["details"]!["causes"]![0].Str("field"));
    }

    [Fact]
    public async Task StrategicMergePatchOnAWidgetIsUnsupportedMediaType()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        var response = await Admin.StrategicPatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"spec":{"replicas":2}}"""));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.Equal("UnsupportedMediaType", response.Object.Str("reason"));
        Assert.Equal(1, (await Admin.GetAsync($"{Widgets(ns)}/w")).Object.Long("spec.replicas"));
    }

    [Fact]
    public async Task FinalizerHoldsDeletionUntilRemoved()
    {
        var ns = await fixture.NewNamespaceAsync();
        var body = Widget("w");
        body["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        var created = await CreateAsync(ns, body);
        await using var watch = await Admin.WatchAsync($"{Widgets(ns)}?watch=true&resourceVersion={created.Str("metadata.resourceVersion")}");
        Assert.Equal(HttpStatusCode.OK, watch.Response.StatusCode);

        var delete = await Admin.DeleteAsync($"{Widgets(ns)}/w");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.Equal("Widget", delete.Object.Str("kind"));
        Assert.NotNull(delete.Object.Str("metadata.deletionTimestamp"));

        var held = await Admin.GetAsync($"{Widgets(ns)}/w");
        Assert.Equal(HttpStatusCode.OK, held.Status);
        Assert.Equal(delete.Object.Str("metadata.deletionTimestamp"), held.Object.Str("metadata.deletionTimestamp"));
        Assert.Equal(["example.com/hold"], held.Object["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));

        // While terminating no new finalizer may be added.
        var add = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"metadata":{"finalizers":["example.com/hold","example.com/other"]}}"""));
        Assert.Equal((HttpStatusCode)422, add.Status);
        Assert.Equal("Invalid", add.Object.Str("reason"));
        Assert.Contains(add.Object["details"]!["causes"]!.AsArray(), c => c.Str("field") == "metadata.finalizers");

        var release = await Admin.MergePatchAsync($"{Widgets(ns)}/w", Json.Obj("""{"metadata":{"finalizers":null}}"""));
        Assert.Equal(HttpStatusCode.OK, release.Status);
        var gone = await Admin.GetAsync($"{Widgets(ns)}/w");
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);

        var modified = await watch.NextChangeAsync();
        Assert.Equal("MODIFIED", modified.Str("type"));
        Assert.NotNull(modified["object"].Str("metadata.deletionTimestamp"));
        var deleted = await watch.NextChangeAsync();
        Assert.Equal("DELETED", deleted.Str("type"));
        Assert.Equal("w", deleted["object"].Str("metadata.name"));
    }

    [Fact]
    public async Task DeleteWithoutFinalizersRemovesAtOnce()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateAsync(ns, Widget("w"));
        var delete = await Admin.DeleteAsync($"{Widgets(ns)}/w");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/w")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.DeleteAsync($"{Widgets(ns)}/w")).Status);
    }

    [Fact]
    public async Task CreateInAMissingNamespaceIsNotFound()
    {
        var response = await Admin.PostAsync(Widgets("no-such-namespace"), Widget("w"));
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
    }
}

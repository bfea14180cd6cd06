using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>Server-side apply and managedFields over HTTPS.</summary>
public sealed class ServerSideApplyTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private static string Widgets(string ns) => $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/widgets";

    private static string ConfigMapYaml(string name, string data) => $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{data}";

    private async Task<ApiResponse> ApplyAsync(string path, string body, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, path + "?" + query);
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/apply-patch+yaml");
        var response = await Admin.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse(response.StatusCode, text, text.StartsWith('{') ? JsonNode.Parse(text) : null, response);
    }

    private static JsonArray ManagedFields(JsonObject obj) => obj["metadata"]!["managedFields"]!.AsArray();

    private static JsonObject Entry(JsonObject obj, string manager) =>
        ManagedFields(obj).Select(e => e!.AsObject()).Single(e => e["manager"]!.GetValue<string>() == manager);

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual?.ToJsonString());

    [Fact]
    public async Task ApplyCreatesThenUpdatesAndReapplyingIsANoOp()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: \"1\"\n  b: \"2\"\n"), "fieldManager=tool");
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var entry = Assert.Single(ManagedFields(created.Object))!.AsObject();
        Assert.Equal("tool", entry["manager"]!.GetValue<string>());
        Assert.Equal("Apply", entry["operation"]!.GetValue<string>());
        Assert.Equal("v1", entry["apiVersion"]!.GetValue<string>());
        Assert.Equal("FieldsV1", entry["fieldsType"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(entry["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _));
        AssertJson("""{"f:data":{"f:a":{},"f:b":{}}}""", entry["fieldsV1"]);

        var again = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: \"1\"\n  b: \"2\"\n"), "fieldManager=tool");
        Assert.True(again.Status == HttpStatusCode.OK, again.ToString());
        Assert.Equal(created.Object.Str("metadata.resourceVersion"), again.Object.Str("metadata.resourceVersion"));

        // JSON is YAML too; dropping b removes it, since nobody else owns it.
        var json = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"changed"}}""";
        var updated = await ApplyAsync($"{ConfigMaps(ns)}/c", json, "fieldManager=tool");
        Assert.True(updated.Status == HttpStatusCode.OK, updated.ToString());
        AssertJson("""{"a":"changed"}""", updated.Object["data"]);
        AssertJson("""{"f:data":{"f:a":{}}}""", Entry(updated.Object, "tool")["fieldsV1"]);
    }

    [Fact]
    public async Task FieldManagerIsRequiredAndForceOnlyForApply()
    {
        var ns = await fixture.NewNamespaceAsync();
        var missing = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: b\n"), "");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("fieldManager: Required value: is required for apply patch", missing.Object.Str("message"));

        await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: b\n"), "fieldManager=x");
        var merge = await Admin.MergePatchAsync($"{ConfigMaps(ns)}/c?force=true", JsonNode.Parse("""{"data":{"a":"c"}}""")!);
        Assert.Equal(HttpStatusCode.BadRequest, merge.Status);
        Assert.Contains("force", merge.Object.Str("message"));

        var badYaml = await ApplyAsync($"{ConfigMaps(ns)}/c", "a: [unclosed", "fieldManager=x");
        Assert.Equal(HttpStatusCode.BadRequest, badYaml.Status);
        var wrongKind = await ApplyAsync($"{ConfigMaps(ns)}/c", "apiVersion: v1\nkind: Secret\nmetadata: {name: c}\n", "fieldManager=x");
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.Status);
    }

    [Fact]
    public async Task ChangingAnotherManagersFieldConflictsUntilForced()
    {
        var ns = await fixture.NewNamespaceAsync();
        var post = await Admin.SendAsync(HttpMethod.Post, $"{ConfigMaps(ns)}?fieldManager=creator",
            JsonNode.Parse("""{"metadata":{"name":"c"},"data":{"a":"1","b":"2"}}"""));
        Assert.Equal(HttpStatusCode.Created, post.Status);
        var creator = Entry(post.Object, "creator");
        Assert.Equal("Update", creator["operation"]!.GetValue<string>());
        AssertJson("""{"f:data":{".":{},"f:a":{},"f:b":{}}}""", creator["fieldsV1"]);

        // Same value: shared, no conflict.
        var shared = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  b: \"2\"\n"), "fieldManager=other");
        Assert.True(shared.Status == HttpStatusCode.OK, shared.ToString());

        var conflict = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: x\n  b: \"2\"\n"), "fieldManager=other");
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Equal("Conflict", conflict.Object.Str("reason"));
        Assert.Equal("""Apply failed with 1 conflict: conflict with "creator" using v1: .data.a""", conflict.Object.Str("message"));
        var cause = Assert.Single(conflict.Object["details"]!["causes"]!.AsArray())!;
        Assert.Equal("FieldManagerConflict", cause["reason"]!.GetValue<string>());
        Assert.Equal(".data.a", cause["field"]!.GetValue<string>());
        Assert.Equal("""conflict with "creator" using v1: .data.a""", cause["message"]!.GetValue<string>());
        Assert.Equal("1", (await Admin.GetAsync($"{ConfigMaps(ns)}/c")).Object.Str("data.a"));

        var forced = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: x\n  b: \"2\"\n"), "fieldManager=other&force=true");
        Assert.True(forced.Status == HttpStatusCode.OK, forced.ToString());
        Assert.Equal("x", forced.Object.Str("data.a"));
        AssertJson("""{"f:data":{".":{},"f:b":{}}}""", Entry(forced.Object, "creator")["fieldsV1"]);
        AssertJson("""{"f:data":{"f:a":{},"f:b":{}}}""", Entry(forced.Object, "other")["fieldsV1"]);
    }

    [Fact]
    public async Task ConsecutiveUpdatesThatSendBackWhatTheyReadKeepTrackingOwnership()
    {
        // Each write here reads the object the previous one wrote (the server keeps the parsed entries of recent writes
        // and recognises an unchanged echo of them by its bytes): ownership must come out as if parsed afresh.
        var ns = await fixture.NewNamespaceAsync();
        var created = await Admin.SendAsync(HttpMethod.Post, $"{ConfigMaps(ns)}?fieldManager=one",
            JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"""));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var current = created.Object.AsObject();
        foreach (var (manager, key) in new[] { ("two", "b"), ("one", "b"), ("two", "c"), ("two", "a") })
        {
            var put = current.DeepClone().AsObject();
            put["data"]![key] = manager + "-" + key;
            var written = await Admin.SendAsync(HttpMethod.Put, $"{ConfigMaps(ns)}/c?fieldManager={manager}", put);
            Assert.True(written.Status == HttpStatusCode.OK, written.ToString());
            current = written.Object.AsObject();
        }
        // one created data with a and took b back; two wrote b (lost it), then c, then took a.
        AssertJson("""{"f:data":{".":{},"f:b":{}}}""", Entry(current, "one")["fieldsV1"]);
        AssertJson("""{"f:data":{"f:a":{},"f:c":{}}}""", Entry(current, "two")["fieldsV1"]);

        // The same entries with their fields in another order are the stored ones: nothing changes.
        var reordered = current.DeepClone().AsObject();
        var entries = ManagedFields(reordered);
        var first = entries[0]!.AsObject();
        var fields = first["fieldsV1"]!.DeepClone();
        first.Remove("fieldsV1");
        first.Insert(0, "fieldsV1", fields);
        var same = await Admin.SendAsync(HttpMethod.Put, $"{ConfigMaps(ns)}/c?fieldManager=two", reordered);
        Assert.True(same.Status == HttpStatusCode.OK, same.ToString());
        Assert.Equal(current.Str("metadata.resourceVersion"), same.Object.Str("metadata.resourceVersion"));

        // Entries the client changed replace the stored ones (here: without one's), and the write records on top.
        var edited = current.DeepClone().AsObject();
        ManagedFields(edited).Remove(Entry(edited, "one"));
        edited["data"]!["d"] = "4";
        var replaced = await Admin.SendAsync(HttpMethod.Put, $"{ConfigMaps(ns)}/c?fieldManager=two", edited);
        Assert.True(replaced.Status == HttpStatusCode.OK, replaced.ToString());
        Assert.Equal(["two"], ManagedFields(replaced.Object).Select(e => e!["manager"]!.GetValue<string>()));
        AssertJson("""{"f:data":{"f:a":{},"f:c":{},"f:d":{}}}""", Entry(replaced.Object, "two")["fieldsV1"]);
    }

    [Fact]
    public async Task UpdatesRecordTheirManagerAndTakeFieldsFromOthers()
    {
        var ns = await fixture.NewNamespaceAsync();
        await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: \"1\"\n  b: \"2\"\n"), "fieldManager=applier");
        var patched = await Admin.SendAsync(HttpMethod.Patch, $"{ConfigMaps(ns)}/c?fieldManager=editor",
            JsonNode.Parse("""{"data":{"a":"edited"},"metadata":{"labels":{"x":"y"}}}"""), "application/merge-patch+json");
        Assert.True(patched.Status == HttpStatusCode.OK, patched.ToString());
        AssertJson("""{"f:data":{"f:b":{}}}""", Entry(patched.Object, "applier")["fieldsV1"]);
        var editor = Entry(patched.Object, "editor");
        Assert.Equal("Update", editor["operation"]!.GetValue<string>());
        AssertJson("""{"f:data":{"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:x":{}}}}""", editor["fieldsV1"]);

        // The User-Agent names the manager when the query does not.
        var put = patched.Object.DeepClone().AsObject();
        put["data"]!["b"] = "put";
        put["metadata"]!.AsObject().Remove("managedFields");
        var replaced = await Admin.SendAsync(HttpMethod.Put, $"{ConfigMaps(ns)}/c", put,
            configure: r => r.Headers.UserAgent.ParseAdd("kubectl-replace/v1.32.0"));
        Assert.True(replaced.Status == HttpStatusCode.OK, replaced.ToString());
        // The applier owned only b, which the PUT took: its entry is gone.
        Assert.Equal(["editor", "kubectl-replace"], ManagedFields(replaced.Object).Select(e => e!["manager"]!.GetValue<string>()).Order());
        AssertJson("""{"f:data":{"f:b":{}}}""", Entry(replaced.Object, "kubectl-replace")["fieldsV1"]);

        // An empty list keeps them; [{}] clears them.
        var kept = await Admin.SendAsync(HttpMethod.Patch, $"{ConfigMaps(ns)}/c", JsonNode.Parse("""{"metadata":{"managedFields":[]}}"""), "application/merge-patch+json");
        Assert.Equal(2, ManagedFields(kept.Object).Count);
        var cleared = await Admin.SendAsync(HttpMethod.Patch, $"{ConfigMaps(ns)}/c", JsonNode.Parse("""{"metadata":{"managedFields":[{}]}}"""), "application/merge-patch+json");
        Assert.True(cleared.Status == HttpStatusCode.OK, cleared.ToString());
        Assert.Null(cleared.Object["metadata"]!["managedFields"]);
    }

    [Fact]
    public async Task ApplyGoesThroughValidationStatusRulesAndDryRun()
    {
        var ns = await fixture.NewNamespaceAsync();
        var widget = $"apiVersion: {WidgetKind.Group}/{WidgetKind.Version}\nkind: Widget\nmetadata: {{name: w}}\nspec: {{replicas: 2, color: blue}}\nstatus: {{ready: true}}\n";

        var dry = await ApplyAsync($"{Widgets(ns)}/w", widget, "fieldManager=t&dryRun=All");
        Assert.True(dry.Status == HttpStatusCode.Created, dry.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/w")).Status);

        var invalid = await ApplyAsync($"{Widgets(ns)}/w", widget.Replace("replicas: 2", "replicas: 1000", StringComparison.Ordinal), "fieldManager=t");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);

        var created = await ApplyAsync($"{Widgets(ns)}/w", widget, "fieldManager=t");
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Null(created.Object["status"]);
        Assert.Equal(1, created.Object.Long("metadata.generation"));
        AssertJson("""{"f:spec":{"f:color":{},"f:replicas":{}}}""", Entry(created.Object, "t")["fieldsV1"]);

        var status = await Admin.SendAsync(HttpMethod.Patch, $"{Widgets(ns)}/w/status?fieldManager=controller",
            JsonNode.Parse("""{"status":{"ready":true}}"""), "application/merge-patch+json");
        Assert.True(status.Status == HttpStatusCode.OK, status.ToString());
        var controller = Entry(status.Object, "controller");
        Assert.Equal("status", controller["subresource"]!.GetValue<string>());
        AssertJson("""{"f:status":{".":{},"f:ready":{}}}""", controller["fieldsV1"]);

        var scaled = await ApplyAsync($"{Widgets(ns)}/w", widget.Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal), "fieldManager=t");
        Assert.True(scaled.Status == HttpStatusCode.OK, scaled.ToString());
        Assert.Equal(2, scaled.Object.Long("metadata.generation"));
        Assert.Equal(2, ManagedFields(scaled.Object).Count);

        var statusApply = await ApplyAsync($"{Widgets(ns)}/w/status",
            $"apiVersion: {WidgetKind.Group}/{WidgetKind.Version}\nkind: Widget\nmetadata: {{name: w}}\nstatus: {{observedGeneration: 2}}\n", "fieldManager=controller2");
        Assert.True(statusApply.Status == HttpStatusCode.OK, statusApply.ToString());
        Assert.Equal(2, statusApply.Object.Long("status.observedGeneration"));
        var controller2 = Entry(statusApply.Object, "controller2");
        Assert.Equal("status", controller2["subresource"]!.GetValue<string>());
        AssertJson("""{"f:status":{"f:observedGeneration":{}}}""", controller2["fieldsV1"]);
    }

    [Fact]
    public async Task ApplyPatchIsAdvertised()
    {
        var ns = await fixture.NewNamespaceAsync();
        await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: b\n"), "fieldManager=x");
        var unsupported = await Admin.SendAsync(HttpMethod.Patch, $"{ConfigMaps(ns)}/c", JsonNode.Parse("{}"), "application/x-unknown");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.Status);
        Assert.Contains("application/apply-patch+yaml", unsupported.Object.Str("message"));
        var openApi = await Admin.GetAsync("/openapi/v3/api/v1");
        Assert.Contains("application/apply-patch+yaml", openApi.Text);
    }

    [Fact]
    public async Task JsonPatchMayReplaceTheResourceVersionAsAPrecondition()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await ApplyAsync($"{ConfigMaps(ns)}/c", ConfigMapYaml("c", "  a: b\n"), "fieldManager=x");
        var rv = created.Object.Str("metadata.resourceVersion")!;
        var ok = await Admin.JsonPatchAsync($"{ConfigMaps(ns)}/c", JsonNode.Parse($$"""[{"op":"replace","path":"/data/a","value":"c"},{"op":"replace","path":"/metadata/resourceVersion","value":"{{rv}}"}]""")!);
        Assert.True(ok.Status == HttpStatusCode.OK, ok.ToString());
        var stale = await Admin.JsonPatchAsync($"{ConfigMaps(ns)}/c", JsonNode.Parse($$"""[{"op":"replace","path":"/data/a","value":"d"},{"op":"replace","path":"/metadata/resourceVersion","value":"{{rv}}"}]""")!);
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
    }
}

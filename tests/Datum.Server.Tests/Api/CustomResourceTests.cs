using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Registry;

namespace Datum.Server.Tests.Api;

/// <summary>CustomResourceDefinitions over HTTP: registration, discovery, OpenAPI, validation, defaults, subresources, versions, deletion.</summary>
public sealed class CustomResourceTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private static int s_counter;
    private ApiClient Admin => fixture.Admin;

    private static string NewGroup() => $"g{Interlocked.Increment(ref s_counter)}x{Environment.ProcessId}.example.com";

    private static JsonObject Schema() => Json.Obj("""
        {"type":"object","description":"A gadget.","properties":{
          "spec":{"type":"object","description":"GadgetSpec is the desired state.","properties":{
            "replicas":{"type":"integer","minimum":0,"default":1,"description":"How many gadgets to run."},
            "color":{"type":"string","enum":["red","blue"],"default":"red","description":"The colour."},
            "selector":{"type":"string"}}},
          "status":{"type":"object","properties":{"replicas":{"type":"integer"},"selector":{"type":"string"},"ready":{"type":"boolean"}}}}}
        """);

    private static JsonObject Version(string name, bool storage, bool served = true) => new()
    {
        ["name"] = name, ["served"] = served, ["storage"] = storage,
        ["schema"] = new JsonObject { ["openAPIV3Schema"] = Schema() },
        ["subresources"] = Json.Obj("""{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}}"""),
        ["additionalPrinterColumns"] = Json.Obj("""{"c":[{"name":"Replicas","type":"integer","jsonPath":".spec.replicas","description":"Desired replicas"},{"name":"Color","type":"string","jsonPath":".spec.color","priority":1}]}""")["c"]!.DeepClone(),
    };

    private static JsonObject Crd(string group, string scope = "Namespaced", params JsonObject[] versions) => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = $"gadgets.{group}" },
        ["spec"] = new JsonObject
        {
            ["group"] = group,
            ["scope"] = scope,
            ["names"] = new JsonObject { ["plural"] = "gadgets", ["kind"] = "Gadget", ["shortNames"] = new JsonArray("gd"), ["categories"] = new JsonArray("all") },
            ["versions"] = new JsonArray(versions.Length > 0 ? versions.Select(v => (JsonNode?)v).ToArray() : [Version("v1", storage: true)]),
        },
    };

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    private async Task<string> EstablishAsync(JsonObject crd)
    {
        var created = await Admin.PostAsync(Crds, crd);
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var name = crd.Str("metadata.name")!;
        await EventuallyAsync(async () =>
        {
            var get = await Admin.GetAsync($"{Crds}/{name}");
            return get.Object["status"]?["conditions"] is JsonArray conditions &&
                conditions.Any(c => c.Str("type") == "Established" && c.Str("status") == "True") ? get : null;
        }, "Established");
        return name;
    }

    private static JsonObject Gadget(string group, string version, string name, JsonObject? spec = null) => new()
    {
        ["apiVersion"] = $"{group}/{version}", ["kind"] = "Gadget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec ?? new JsonObject(),
    };

    [Fact]
    public async Task NewKindAppearsInDiscoveryAndOpenApiWithDescriptions()
    {
        var group = NewGroup();
        var created = await Admin.PostAsync(Crds, Crd(group));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var resources = await EventuallyAsync(async () =>
        {
            var r = await Admin.GetAsync($"/apis/{group}/v1");
            return r.Status == HttpStatusCode.OK ? r : null;
        }, "discovery");
        var gadgets = resources.Object["resources"]!.AsArray().Single(r => r.Str("name") == "gadgets");
        Assert.Equal("Gadget", gadgets.Str("kind"));
        Assert.True(gadgets!["namespaced"]!.GetValue<bool>());
        Assert.Equal("gd", gadgets["shortNames"]![0]!.ToString());
        Assert.Contains(resources.Object["resources"]!.AsArray(), r => r.Str("name") == "gadgets/status");
        Assert.Contains(resources.Object["resources"]!.AsArray(), r => r.Str("name") == "gadgets/scale");
        var groups = await Admin.GetAsync("/apis");
        Assert.Contains(groups.Object["groups"]!.AsArray(), g => g.Str("name") == group);

        var root = await Admin.GetAsync("/openapi/v3");
        Assert.NotNull(root.Object["paths"]![$"apis/{group}/v1"]);
        var doc = await Admin.GetAsync($"/openapi/v3/apis/{group}/v1");
        var schema = doc.Object["components"]!["schemas"]![$"com.example.{group.Split('.')[0]}.v1.Gadget"]!;
        Assert.Equal("A gadget.", schema.Str("description"));
        Assert.Equal("How many gadgets to run.", schema["properties"]!["spec"]!["properties"]!["replicas"].Str("description"));
        Assert.Equal(1, schema["properties"]!["spec"]!["properties"]!["replicas"]!["default"]!.GetValue<int>());

        // The controller serves the kind before it writes the CRD's status, so the status may lag discovery.
        var crd = await EventuallyAsync(async () =>
        {
            var r = await Admin.GetAsync($"{Crds}/gadgets.{group}");
            return r.Object["status"]?["conditions"] is JsonArray ? r : null;
        }, "CRD status");
        var conditions = crd.Object["status"]!["conditions"]!.AsArray();
        Assert.Contains(conditions, c => c.Str("type") == "NamesAccepted" && c.Str("status") == "True");
        Assert.Contains(conditions, c => c.Str("type") == "Established" && c.Str("status") == "True");
        Assert.Equal("gadgets", crd.Object.Str("status.acceptedNames.plural"));
        Assert.Equal("gadget", crd.Object.Str("status.acceptedNames.singular"));
        Assert.Equal("v1", crd.Object["status"]!["storedVersions"]![0]!.ToString());
    }

    [Fact]
    public async Task DefaultsAreFilledAndInvalidObjectsGet422WithFieldPaths()
    {
        var group = NewGroup();
        await EstablishAsync(Crd(group));
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/apis/{group}/v1/namespaces/{ns}/gadgets";

        var created = await Admin.PostAsync(path, Gadget(group, "v1", "a"));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal(1, created.Object.Long("spec.replicas"));
        Assert.Equal("red", created.Object.Str("spec.color"));

        var invalid = await Admin.PostAsync(path, Gadget(group, "v1", "b", new JsonObject { ["replicas"] = -1, ["color"] = "green" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
        Assert.Equal("Invalid", invalid.Object.Str("reason"));
        Assert.Contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0", invalid.Object.Str("message"));
        Assert.Contains("spec.color: Unsupported value: \"green\"", invalid.Object.Str("message"));
        var causes = invalid.Object["details"]!["causes"]!.AsArray();
        Assert.Contains(causes, c => c.Str("field") == "spec.replicas" && c.Str("reason") == "FieldValueInvalid");

        var strict = await Admin.SendAsync(HttpMethod.Post, path + "?fieldValidation=Strict",
            Gadget(group, "v1", "c", new JsonObject { ["replicas"] = 2, ["bogus"] = true }));
        Assert.Equal(HttpStatusCode.BadRequest, strict.Status);
        Assert.Contains("unknown field \"spec.bogus\"", strict.Object.Str("message"));

        // Updates need a resourceVersion, and are defaulted too.
        var noRv = await Admin.PutAsync($"{path}/a", Gadget(group, "v1", "a", new JsonObject { ["replicas"] = 3 }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noRv.Status);
        var replace = Gadget(group, "v1", "a", new JsonObject { ["replicas"] = 3 });
        replace["metadata"]!["resourceVersion"] = created.Object.Str("metadata.resourceVersion");
        var updated = await Admin.PutAsync($"{path}/a", replace);
        Assert.True(updated.Status == HttpStatusCode.OK, updated.ToString());
        Assert.Equal("red", updated.Object.Str("spec.color"));
        Assert.Equal(2, updated.Object.Long("metadata.generation"));
    }

    [Fact]
    public async Task StatusAndScaleSubresources()
    {
        var group = NewGroup();
        await EstablishAsync(Crd(group));
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/apis/{group}/v1/namespaces/{ns}/gadgets";
        var gadget = Gadget(group, "v1", "s", new JsonObject { ["replicas"] = 2 });
        gadget["status"] = new JsonObject { ["ready"] = true };
        var created = await Admin.PostAsync(path, gadget);
        Assert.Null(created.Object["status"]);

        var status = await Admin.MergePatchAsync($"{path}/s/status", Json.Obj("""{"status":{"replicas":2,"selector":"app=s"},"spec":{"replicas":9}}"""));
        Assert.True(status.Status == HttpStatusCode.OK, status.ToString());
        Assert.Equal(2, status.Object.Long("status.replicas"));
        Assert.Equal(2, status.Object.Long("spec.replicas"));

        var scale = await Admin.GetAsync($"{path}/s/scale");
        Assert.True(scale.Status == HttpStatusCode.OK, scale.ToString());
        Assert.Equal("autoscaling/v1", scale.Object.Str("apiVersion"));
        Assert.Equal("Scale", scale.Object.Str("kind"));
        Assert.Equal(2, scale.Object.Long("spec.replicas"));
        Assert.Equal(2, scale.Object.Long("status.replicas"));
        Assert.Equal("app=s", scale.Object.Str("status.selector"));

        var patched = await Admin.MergePatchAsync($"{path}/s/scale", Json.Obj("""{"spec":{"replicas":5}}"""));
        Assert.True(patched.Status == HttpStatusCode.OK, patched.ToString());
        Assert.Equal(5, patched.Object.Long("spec.replicas"));
        var obj = await Admin.GetAsync($"{path}/s");
        Assert.Equal(5, obj.Object.Long("spec.replicas"));
        Assert.Equal(2, obj.Object.Long("status.replicas"));

        var put = scale.Object.DeepClone().AsObject();
        put["spec"]!["replicas"] = 7;
        put["metadata"]!["resourceVersion"] = patched.Object.Str("metadata.resourceVersion");
        var replaced = await Admin.PutAsync($"{path}/s/scale", put);
        Assert.True(replaced.Status == HttpStatusCode.OK, replaced.ToString());
        Assert.Equal(7, replaced.Object.Long("spec.replicas"));
        var stale = await Admin.PutAsync($"{path}/s/scale", put);
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);

        var negative = await Admin.MergePatchAsync($"{path}/s/scale", Json.Obj("""{"spec":{"replicas":-1}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, negative.Status);
        Assert.Contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0", negative.Object.Str("message"));
    }

    [Fact]
    public async Task PrinterColumnsShowInTables()
    {
        var group = NewGroup();
        await EstablishAsync(Crd(group));
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/apis/{group}/v1/namespaces/{ns}/gadgets";
        await Admin.PostAsync(path, Gadget(group, "v1", "t", new JsonObject { ["replicas"] = 4, ["color"] = "blue" }));
        var table = await Admin.GetAsync(path, r => r.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io"));
        Assert.Equal("Table", table.Object.Str("kind"));
        var columns = table.Object["columnDefinitions"]!.AsArray().Select(c => c.Str("name")).ToList();
        Assert.Equal(["Name", "Replicas", "Color", "Age"], columns);
        var definitions = table.Object["columnDefinitions"]!.AsArray();
        Assert.Equal("Desired replicas", definitions[1].Str("description"));
        Assert.Equal(1, definitions[2]!["priority"]!.GetValue<int>());
        var cells = table.Object["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("t", cells[0]!.ToString());
        Assert.Equal(4, cells[1]!.GetValue<int>());
        Assert.Equal("blue", cells[2]!.ToString());
    }

    [Fact]
    public async Task TwoVersionsAreServedAndOneIsStored()
    {
        var group = NewGroup();
        await EstablishAsync(Crd(group, "Cluster", Version("v1beta1", storage: false), Version("v1", storage: true)));
        var created = await Admin.PostAsync($"/apis/{group}/v1beta1/gadgets", Gadget(group, "v1beta1", "old", new JsonObject { ["replicas"] = 2 }));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal($"{group}/v1beta1", created.Object.Str("apiVersion"));

        var asV1 = await Admin.GetAsync($"/apis/{group}/v1/gadgets/old");
        Assert.Equal($"{group}/v1", asV1.Object.Str("apiVersion"));
        var asBeta = await Admin.GetAsync($"/apis/{group}/v1beta1/gadgets/old");
        Assert.Equal($"{group}/v1beta1", asBeta.Object.Str("apiVersion"));
        var list = await Admin.GetAsync($"/apis/{group}/v1beta1/gadgets");
        Assert.Equal($"{group}/v1beta1", list.Object["items"]![0].Str("apiVersion"));

        var definition = fixture.Server.Catalog.Find(group, "v1", "gadgets")!;
        var stored = await fixture.Server.Store.GetAsync(StorageKeys.ObjectKey(StorageKeys.RootCluster, definition, null, "old"), CancellationToken.None);
        Assert.Contains($"\"apiVersion\":\"{group}/v1\"", System.Text.Encoding.UTF8.GetString(stored!.Value));

        var groupDoc = await Admin.GetAsync("/apis");
        var entry = groupDoc.Object["groups"]!.AsArray().Single(g => g.Str("name") == group);
        Assert.Equal("v1", entry.Str("preferredVersion.version"));
        Assert.Equal(2, entry!["versions"]!.AsArray().Count);
    }

    [Fact]
    public async Task DeletingTheCrdDeletesItsObjectsAndTheKind()
    {
        var group = NewGroup();
        var name = await EstablishAsync(Crd(group));
        var ns = await fixture.NewNamespaceAsync();
        var ns2 = await fixture.NewNamespaceAsync();
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/apis/{group}/v1/namespaces/{ns}/gadgets", Gadget(group, "v1", "d1"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/apis/{group}/v1/namespaces/{ns2}/gadgets", Gadget(group, "v1", "d2"))).Status);

        var deleted = await Admin.DeleteAsync($"{Crds}/{name}");
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.ToString());
        await EventuallyAsync(async () => (await Admin.GetAsync($"{Crds}/{name}")).Status == HttpStatusCode.NotFound ? "gone" : null, "the CRD to go");
        await EventuallyAsync(async () => (await Admin.GetAsync($"/apis/{group}/v1")).Status == HttpStatusCode.NotFound ? "gone" : null, "discovery to drop the kind");
        Assert.Null(fixture.Server.Catalog.Find(group, "v1", "gadgets"));
        var page = await fixture.Server.Store.ListAsync($"/registry/root/{group}/gadgets/", new Datum.Storage.ListRequest(), CancellationToken.None);
        Assert.Empty(page.Items);
        var groups = await Admin.GetAsync("/apis");
        Assert.DoesNotContain(groups.Object["groups"]!.AsArray(), g => g.Str("name") == group);
        var root = await Admin.GetAsync("/openapi/v3");
        Assert.Null(root.Object["paths"]![$"apis/{group}/v1"]);

        // The kind can be defined again from scratch.
        await EstablishAsync(Crd(group));
        var list = await Admin.GetAsync($"/apis/{group}/v1/namespaces/{ns}/gadgets");
        Assert.Empty(list.Object["items"]!.AsArray());
    }

    [Fact]
    public async Task InvalidCrdsAreRejected()
    {
        var group = NewGroup();
        var wrongName = Crd(group);
        wrongName["metadata"]!["name"] = "widgets." + group;
        var r1 = await Admin.PostAsync(Crds, wrongName);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r1.Status);
        Assert.Contains("metadata.name: Invalid value: \"widgets." + group + "\": must be spec.names.plural+\".\"+spec.group", r1.Object.Str("message"));

        var twoStorage = await Admin.PostAsync(Crds, Crd(group, "Namespaced", Version("v1", true), Version("v2", true)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, twoStorage.Status);
        Assert.Contains("must have exactly one version marked as storage version", twoStorage.Object.Str("message"));

        var untyped = Crd(group);
        untyped["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["color"] = new JsonObject { ["description"] = "no type" };
        var r3 = await Admin.PostAsync(Crds, untyped);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r3.Status);
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[color].type: Required value", r3.Object.Str("message"));

        var badScope = Crd(group, "Global");
        var r4 = await Admin.PostAsync(Crds, badScope);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r4.Status);
        Assert.Contains("spec.scope: Unsupported value: \"Global\"", r4.Object.Str("message"));

        var name = await EstablishAsync(Crd(group));
        var scopeChange = await Admin.MergePatchAsync($"{Crds}/{name}", Json.Obj("""{"spec":{"scope":"Cluster"}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, scopeChange.Status);
        Assert.Contains("spec.scope: Invalid value: \"Cluster\": field is immutable", scopeChange.Object.Str("message"));

        var crdResources = await Admin.GetAsync("/apis/apiextensions.k8s.io/v1");
        var crdEntry = crdResources.Object["resources"]!.AsArray().Single(r => r.Str("name") == "customresourcedefinitions");
        Assert.Equal(["crd", "crds"], crdEntry!["shortNames"]!.AsArray().Select(s => s!.ToString()));
        Assert.Equal("api-extensions", crdEntry["categories"]![0]!.ToString());
    }
}

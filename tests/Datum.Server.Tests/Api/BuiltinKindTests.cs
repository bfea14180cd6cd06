using System.Net;
using System.Text.Json.Nodes;

namespace Datum.Server.Tests.Api;

/// <summary>Built-in kinds served next to declared ones: ConfigMap strategic merge patch, Event field selectors, Leases.</summary>
public sealed class BuiltinKindTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    [Fact]
    public async Task StrategicMergePatchOnAConfigMapMergesDataAndNullDeletes()
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var created = await Admin.PostAsync(path, Json.Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"keep":"1"}},"data":{"a":"1","b":"2"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var patched = await Admin.StrategicPatchAsync($"{path}/c", Json.Obj("""{"metadata":{"labels":{"new":"2"}},"data":{"b":null,"c":"3"}}"""));
        Assert.True(patched.Status == HttpStatusCode.OK, patched.ToString());
        Assert.True(JsonNode.DeepEquals(Json.Obj("""{"a":"1","c":"3"}"""), patched.Object["data"]), patched.Text);
        Assert.True(JsonNode.DeepEquals(Json.Obj("""{"keep":"1","new":"2"}"""), patched.Object["metadata"]!["labels"]), patched.Text);

        var get = await Admin.GetAsync($"{path}/c");
        Assert.True(JsonNode.DeepEquals(Json.Obj("""{"a":"1","c":"3"}"""), get.Object["data"]), get.Text);
    }

    [Fact]
    public async Task EventsAreSelectableByInvolvedObject()
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/events";
        var created = await Admin.PostAsync(path, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = "c.1" },
            ["involvedObject"] = new JsonObject { ["kind"] = "ConfigMap", ["name"] = "c", ["namespace"] = ns, ["apiVersion"] = "v1" },
            ["reason"] = "Tested",
            ["message"] = "an event about c",
            ["type"] = "Normal",
            ["count"] = 1,
        });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var other = await Admin.PostAsync(path, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "d.1" },
            ["involvedObject"] = new JsonObject { ["kind"] = "ConfigMap", ["name"] = "d", ["namespace"] = ns },
            ["reason"] = "Tested",
        });
        Assert.Equal(HttpStatusCode.Created, other.Status);

        var match = await Admin.GetAsync($"{path}?fieldSelector={Uri.EscapeDataString($"involvedObject.name=c,involvedObject.namespace={ns}")}");
        Assert.Equal(HttpStatusCode.OK, match.Status);
        Assert.Equal("EventList", match.Object.Str("kind"));
        var item = Assert.Single(match.Object["items"]!.AsArray());
        Assert.Equal("c.1", item.Str("metadata.name"));
        Assert.Equal("an event about c", item.Str("message"));

        var none = await Admin.GetAsync($"{path}?fieldSelector={Uri.EscapeDataString($"involvedObject.name=zzz,involvedObject.namespace={ns}")}");
        Assert.Equal(HttpStatusCode.OK, none.Status);
        Assert.Empty(none.Object["items"]!.AsArray());

        var byKind = await Admin.GetAsync($"{path}?fieldSelector={Uri.EscapeDataString("involvedObject.kind=ConfigMap,reason=Tested")}");
        Assert.Equal(2, byKind.Object["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task LeasesCanBeCreatedAndRenewed()
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases";
        var created = await Admin.PostAsync(path, Json.Obj("""
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"leader"},
             "spec":{"holderIdentity":"a","leaseDurationSeconds":15,"acquireTime":"2025-01-01T00:00:00.000000Z","renewTime":"2025-01-01T00:00:00.000000Z","leaseTransitions":0}}
            """));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal("Lease", created.Object.Str("kind"));
        Assert.Equal("a", created.Object.Str("spec.holderIdentity"));

        // Renew with optimistic concurrency, as leader election does.
        var renew = created.Object.DeepClone().AsObject();
        renew["spec"]!["renewTime"] = "2025-01-01T00:00:10.000000Z";
        var renewed = await Admin.PutAsync($"{path}/leader", renew);
        Assert.True(renewed.Status == HttpStatusCode.OK, renewed.ToString());
        Assert.Equal("2025-01-01T00:00:10.000000Z", renewed.Object.Str("spec.renewTime"));

        // A second candidate with the stale object loses.
        var stale = created.Object.DeepClone().AsObject();
        stale["spec"]!["holderIdentity"] = "b";
        var lost = await Admin.PutAsync($"{path}/leader", stale);
        Assert.Equal(HttpStatusCode.Conflict, lost.Status);

        var takeover = renewed.Object.DeepClone().AsObject();
        takeover["spec"]!["holderIdentity"] = "b";
        takeover["spec"]!["leaseTransitions"] = 1;
        var taken = await Admin.PutAsync($"{path}/leader", takeover);
        Assert.Equal(HttpStatusCode.OK, taken.Status);
        var get = await Admin.GetAsync($"{path}/leader");
        Assert.Equal("b", get.Object.Str("spec.holderIdentity"));
        Assert.Equal(1, get.Object.Long("spec.leaseTransitions"));
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace Datum.Server.Tests.Api;

/// <summary>Namespace termination: conditions that name what blocks, and the <c>finalize</c> subresource.</summary>
public sealed class NamespaceLifecycleTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private ApiClient Admin => fixture.Admin;

    [Fact]
    public async Task ATerminatingNamespaceReportsTheContentAndFinalizersThatBlockIt()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await Admin.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            Json.Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}}"""));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"/api/v1/namespaces/{ns}")).Status);

        JsonArray? conditions = null;
        for (var i = 0; i < 200 && conditions is null; i++)
        {
            var current = await Admin.GetAsync($"/api/v1/namespaces/{ns}");
            conditions = current.Object["status"]?["conditions"] as JsonArray;
            if (conditions is null) await Task.Delay(50);
        }
        Assert.NotNull(conditions);
        var content = conditions!.OfType<JsonObject>().Single(c => c["type"]!.ToString() == "NamespaceContentRemaining");
        Assert.Contains("configmaps has 1 resource instances", content["message"]!.ToString(), StringComparison.Ordinal);
        var finalizers = conditions!.OfType<JsonObject>().Single(c => c["type"]!.ToString() == "NamespaceFinalizersRemaining");
        Assert.Contains("example.com/hold in 1 resource instances", finalizers["message"]!.ToString(), StringComparison.Ordinal);

        // As kube-apiserver: 403 naming the object, with a NamespaceTerminating cause; nothing is written.
        var late = await Admin.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            Json.Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"late"}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, late.Status);
        Assert.StartsWith("configmaps \"late\" is forbidden: unable to create new content", late.Object["message"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal("late", late.Object["details"]!["name"]!.ToString());
        var cause = late.Object["details"]!["causes"]!.AsArray().Single()!;
        Assert.Equal("NamespaceTerminating", cause["reason"]!.ToString());
        Assert.Equal("metadata.namespace", cause["field"]!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"/api/v1/namespaces/{ns}/configmaps/late")).Status);

        Assert.Equal(HttpStatusCode.OK, (await Admin.MergePatchAsync($"/api/v1/namespaces/{ns}/configmaps/held", Json.Obj("""{"metadata":{"finalizers":null}}"""))).Status);
        var gone = false;
        for (var i = 0; i < 200 && !gone; i++)
        {
            gone = (await Admin.GetAsync($"/api/v1/namespaces/{ns}")).Status == HttpStatusCode.NotFound;
            if (!gone) await Task.Delay(50);
        }
        Assert.True(gone, "the namespace should go once its content is gone");
    }

    [Fact]
    public async Task FinalizeReplacesOnlySpecFinalizers()
    {
        var ns = await fixture.NewNamespaceAsync();
        var body = Json.Obj($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}","labels":{"ignored":"yes"}},"spec":{"finalizers":["example.com/other"]}}""");
        var finalized = await Admin.PutAsync($"/api/v1/namespaces/{ns}/finalize", body);
        Assert.True(finalized.Status == HttpStatusCode.OK, finalized.ToString());
        Assert.Equal("example.com/other", finalized.Object["spec"]!["finalizers"]![0]!.ToString());
        Assert.Null(finalized.Object["metadata"]!["labels"]!["ignored"]);

        var discovery = await Admin.GetAsync("/api/v1");
        Assert.Contains(discovery.Object["resources"]!.AsArray(), r => r!["name"]!.ToString() == "namespaces/finalize");
    }
}

using System.Text.Json.Nodes;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;

namespace Datum.Compute.Tests;

/// <summary>The reference's validation: 422 Invalid with field paths, nothing stored.</summary>
[Collection("compute")]
public sealed class ValidationTests(ComputeFixture fixture)
{
    private async Task<string> RejectedAsync(WorkloadObject workload)
    {
        var e = await Assert.ThrowsAsync<ApiStatusException>(() => fixture.Client.Resource<WorkloadObject>().CreateAsync(workload));
        Assert.Equal(422, e.Code);
        Assert.Null(await fixture.GetAsync<WorkloadObject>(workload.Metadata.Namespace!, workload.Metadata.Name!));
        return e.Status.Message ?? "";
    }

    [Fact]
    public async Task Unknown_city_code_is_422_listing_the_valid_codes()
    {
        var ns = await fixture.NamespaceAsync("val");
        var message = await RejectedAsync(ComputeFixture.Workload(ns, "w", 1, ("edge", ["DFW", "XXX"])));
        Assert.Contains("spec.placements[0].cityCodes[1]", message);
        Assert.Contains("\"XXX\"", message);
        foreach (var city in new[] { "AMS", "DFW", "LHR", "SIN", "SYD" }) Assert.Contains($"\"{city}\"", message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task MinReplicas_must_be_1_to_1000(int replicas)
    {
        var ns = await fixture.NamespaceAsync("val");
        Assert.Contains("spec.placements[0].scaleSettings.minReplicas", await RejectedAsync(ComputeFixture.Workload(ns, "w", replicas, ("edge", ["DFW"]))));
    }

    [Fact]
    public async Task MaxReplicas_needs_metrics()
    {
        var ns = await fixture.NamespaceAsync("val");
        var w = ComputeFixture.Workload(ns, "w", 2, ("edge", ["DFW"]));
        w.Spec.Placements[0].ScaleSettings.MaxReplicas = 4;
        Assert.Contains("spec.placements[0].scaleSettings.metrics", await RejectedAsync(w));
        w.Spec.Placements[0].ScaleSettings.Metrics = JsonNode.Parse("""[{"resource": {"name": "memory", "target": {"averageUtilization": 50}}}]""")!.AsArray();
        Assert.Contains("spec.placements[0].scaleSettings.metrics[0].resource.name", await RejectedAsync(w));
        w.Spec.Placements[0].ScaleSettings.Metrics = JsonNode.Parse("""[{"resource": {"name": "cpu", "target": {"averageUtilization": 50}}}]""")!.AsArray();
        await fixture.Client.Resource<WorkloadObject>().CreateAsync(w, dryRun: true);
    }

    [Theory]
    [InlineData("5Gi")]
    [InlineData("101Gi")]
    [InlineData("10.5Gi")]
    [InlineData("20G")]
    public async Task Disks_are_10_to_100_Gi(string size)
    {
        var ns = await fixture.NamespaceAsync("val");
        var w = ComputeFixture.Workload(ns, "w", 1, ("edge", ["DFW"]));
        w.Spec.Template.Spec.Runtime = JsonNode.Parse("""{"resources": {"instanceType": "datumcloud/d1-standard-2"}, "virtualMachine": {"volumeAttachments": [{"name": "boot"}]}}""")!.AsObject();
        w.Spec.Template.Spec.Volumes = JsonNode.Parse("""[{"name": "boot", "disk": {"template": {"spec": {"populator": {"image": {"name": "datumcloud/ubuntu-2204-lts"}}, "resources": {"requests": {"storage": "SIZE"}}}}}}]""".Replace("SIZE", size, StringComparison.Ordinal))!.AsArray();
        Assert.Contains("spec.template.spec.volumes[0].disk.template.spec.resources.requests.storage", await RejectedAsync(w));
        w.Spec.Template.Spec.Volumes![0]!["disk"]!["template"]!["spec"]!["resources"]!["requests"]!["storage"] = "10Gi";
        await fixture.Client.Resource<WorkloadObject>().CreateAsync(w, dryRun: true);
    }

    [Fact]
    public async Task Invalid_templates_name_the_fields()
    {
        var ns = await fixture.NamespaceAsync("val");
        var w = ComputeFixture.Workload(ns, "w", 1, ("edge", ["DFW"]));
        w.Spec.Template.Spec.Runtime = JsonNode.Parse("""{"resources": {"instanceType": "big"}, "sandbox": {"containers": [{"name": "web", "image": "nginx"}]}}""")!.AsObject();
        var message = await RejectedAsync(w);
        Assert.Contains("spec.template.spec.runtime.resources.instanceType", message);
        Assert.Contains("spec.template.spec.runtime.sandbox.containers[0].image", message);
        w.Spec.Template.Spec.Runtime = JsonNode.Parse("""{"resources": {"instanceType": "datumcloud/d1-standard-2"}}""")!.AsObject();
        Assert.Contains("spec.template.spec.runtime", await RejectedAsync(w));
        w = ComputeFixture.Workload(ns, "w", 1, ("edge", ["DFW"]));
        w.Spec.Template.Spec.Volumes = JsonNode.Parse("""[{"name": "cfg", "configMap": {"name": "c"}}]""")!.AsArray();
        Assert.Contains("spec.template.spec.volumes[0]", await RejectedAsync(w));
        w = ComputeFixture.Workload(ns, "w", 1, ("edge", ["DFW"]));
        w.Spec.Template.Spec.NetworkInterfaces = [];
        Assert.Contains("spec.template.spec.networkInterfaces", await RejectedAsync(w));
        w = ComputeFixture.Workload(ns, "w", 1, ("Bad_Name", ["DFW"]));
        Assert.Contains("spec.placements[0].name", await RejectedAsync(w));
    }

    [Fact]
    public async Task Instances_are_validated_too()
    {
        var ns = await fixture.NamespaceAsync("val");
        var template = ComputeFixture.Template(image: "nginx");
        var e = await Assert.ThrowsAsync<ApiStatusException>(() => fixture.Client.Resource<InstanceObject>().CreateAsync(new InstanceObject
        {
            Metadata = new ObjectMeta { Name = "i", Namespace = ns },
            Spec = template.Spec with { Controller = new InstanceControl { TemplateHash = "x" } },
        }));
        Assert.Equal(422, e.Code);
        Assert.Contains("spec.runtime.sandbox.containers[0].image", e.Status.Message);
    }
}

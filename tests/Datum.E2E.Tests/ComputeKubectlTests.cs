using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>The README's compute tour with the real kubectl against `datum up`: examples/ applied, the workload Available.</summary>
public sealed class ComputeKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly Kubectl _kubectl;

    public ComputeKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _kubectl = new Kubectl(fixture.Server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    private static string Examples
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "examples");
                if (File.Exists(Path.Combine(candidate, "workload.yaml"))) return candidate;
            }
            throw new DirectoryNotFoundException("examples/ not found above " + AppContext.BaseDirectory);
        }
    }

    [KubectlFact]
    public async Task The_readme_tour_applies_examples_and_the_workload_becomes_Available_with_Running_instances_and_IPs()
    {
        await _kubectl.OkAsync("apply", "-f", Examples);
        await _kubectl.OkAsync("wait", "--for=condition=Available", "workload/hello", "--timeout=120s");
        await _kubectl.OkAsync("wait", "--for=condition=InstancesReady", "workload/hello", "--timeout=120s");
        var wide = await _kubectl.OkAsync("get", "instances", "-o", "wide");
        Assert.Contains("NETWORK IP", wide);
        foreach (var name in new[] { "hello-us-dfw-0", "hello-us-dfw-1", "hello-eu-lhr-0", "hello-eu-ams-0" }) Assert.Contains(name, wide);
        Assert.Contains("Running", wide);
        var instances = JsonNode.Parse(await _kubectl.OkAsync("get", "instances", "-o", "json"))!["items"]!.AsArray();
        Assert.Equal(4, instances.Count);
        foreach (var i in instances)
        {
            Assert.StartsWith("10.", i!["status"]!["networkInterfaces"]![0]!["assignments"]!["networkIP"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        // One interface claim per instance, owned by it, and its interface (with the address the instance reports).
        var claims = JsonNode.Parse(await _kubectl.OkAsync("get", "networkinterfaceclaims", "-o", "json"))!["items"]!.AsArray();
        Assert.Equal(instances.Select(i => i!["metadata"]!["name"]!.GetValue<string>() + "-net-0").Order(StringComparer.Ordinal),
            claims.Select(c => c!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var interfaces = JsonNode.Parse(await _kubectl.OkAsync("get", "networkinterfaces", "-o", "json"))!["items"]!.AsArray();
        Assert.Equal(
            instances.Select(i => i!["status"]!["networkInterfaces"]![0]!["assignments"]!["networkIP"]!.GetValue<string>()).Order(StringComparer.Ordinal),
            interfaces.Select(n => n!["spec"]!["addresses"]![0]!["address"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var workloads = await _kubectl.OkAsync("get", "workloads");
        Assert.Contains("AVAILABLE", workloads);
        Assert.Contains("UP-TO-DATE", workloads);
        Assert.Contains("hello-eu-ams", await _kubectl.OkAsync("get", "workloaddeployments"));

        // Bad input: unknown city code → 422 listing the valid ones.
        var bad = await _kubectl.RunAsync(["apply", "-f", "-"], """
            apiVersion: compute.datumapis.com/v1alpha
            kind: Workload
            metadata: {name: nowhere, namespace: default}
            spec:
              template: {spec: {runtime: {resources: {instanceType: datumcloud/d1-standard-2}, sandbox: {containers: [{name: web, image: docker.io/library/nginx:1.27}]}}, networkInterfaces: [{network: {name: hello-net}}]}}
              placements: [{name: x, cityCodes: [XYZ], scaleSettings: {minReplicas: 1}}]
            """);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("spec.placements[0].cityCodes[0]", bad.Stderr);
        Assert.Contains("\"DFW\"", bad.Stderr);

        await _kubectl.OkAsync("delete", "-f", Examples, "--timeout=120s");
        await _kubectl.OkAsync("wait", "--for=delete", "instances", "--all", "--timeout=120s");
        Assert.Equal("", (await _kubectl.OkAsync("get", "workloads,workloaddeployments,instances,networkinterfaceclaims,networkinterfaces,networkbindings,networkcontexts,subnetclaims,subnets", "-o", "name")).Trim());
    }
}

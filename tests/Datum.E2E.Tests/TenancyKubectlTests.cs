using System.Diagnostics;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>Organizations and projects with the real kubectl: the default project context, isolation, cleanup, kubeconfig.</summary>
public sealed class TenancyKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly Kubectl _kubectl;

    public TenancyKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    [KubectlFact]
    public async Task The_default_project_context_works_like_a_cluster_and_is_isolated_from_the_platform()
    {
        Assert.Contains("default-project", await _kubectl.OkAsync("config", "current-context"));
        var resources = await _kubectl.OkAsync("api-resources");
        Assert.Contains("configmaps", resources);
        Assert.Contains("projects", resources);
        var namespaces = await _kubectl.OkAsync("get", "namespaces", "-o", "name");
        Assert.Contains("namespace/milo-system", namespaces);

        var ns = ServerFixture.UniqueName("tenant");
        await _kubectl.OkAsync("create", "namespace", ns);
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "c", "--from-literal=a=b");
        await _kubectl.OkAsync("-n", ns, "create", "secret", "generic", "s", "--from-literal=k=v");
        Assert.Contains("c", await _kubectl.OkAsync("-n", ns, "get", "configmaps", "-o", "name"));
        Assert.Contains("secret/s", await _kubectl.OkAsync("-n", ns, "get", "secrets", "-o", "name"));

        var platform = await _kubectl.RunAsync("--context", "platform", "get", "namespace", ns);
        Assert.NotEqual(0, platform.ExitCode);
        Assert.Contains("NotFound", platform.Stderr + platform.Stdout);
        Assert.Contains("default-project", await _kubectl.OkAsync("--context", "platform", "get", "projects"));
    }

    [KubectlFact]
    public async Task Deleting_a_project_shows_the_cleanup_condition_until_its_control_plane_is_empty()
    {
        var project = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        var manifest = Path.Combine(_kubectl.CacheDir, project + ".yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: resourcemanager.miloapis.com/v1alpha1
            kind: Project
            metadata: {"{"}name: {project}{"}"}
            spec: {"{"}ownerRef: {"{"}kind: Organization, name: default-org{"}"}{"}"}
            """);
        await _kubectl.OkAsync("--context", "platform", "apply", "-f", manifest);
        await _kubectl.OkAsync("--context", "platform", "wait", "--for=condition=Ready", $"project/{project}", "--timeout=30s");

        var kubeconfig = Path.Combine(_kubectl.CacheDir, project + ".kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, await DatumKubeconfigAsync("--project", project));
        using var inProject = new Kubectl(kubeconfig);
        await inProject.OkAsync("create", "configmap", "held", "--from-literal=a=b");
        await inProject.OkAsync("patch", "configmap", "held", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold"]}}""");

        await _kubectl.OkAsync("--context", "platform", "delete", "project", project, "--wait=false");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string yaml;
        do
        {
            yaml = await _kubectl.OkAsync("--context", "platform", "get", "project", project, "-o", "yaml");
            if (yaml.Contains("CleanupAwaitingCompletion", StringComparison.Ordinal) && yaml.Contains("configmaps/default/held", StringComparison.Ordinal)) break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Contains("type: ResourceCleanup", yaml);
        Assert.Contains("configmaps/default/held", yaml);

        await inProject.OkAsync("patch", "configmap", "held", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        await _kubectl.OkAsync("--context", "platform", "wait", "--for=delete", $"project/{project}", "--timeout=60s");
    }

    private async Task<string> DatumKubeconfigAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ServerProcess.DatumDll, "kubeconfig", "--data-dir", _server.DataDir }.Concat(args)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return stdout;
    }
}

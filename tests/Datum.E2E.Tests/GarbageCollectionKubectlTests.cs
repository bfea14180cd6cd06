using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary><c>kubectl delete --cascade</c> and <c>--dry-run=server</c> against a real server process.</summary>
public sealed class GarbageCollectionKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);
    private readonly Kubectl _kubectl;

    public GarbageCollectionKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _kubectl = new Kubectl(fixture.Server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    private async Task<string> NewNamespaceAsync()
    {
        var ns = ServerFixture.UniqueName("gc");
        await _kubectl.OkAsync("create", "namespace", ns);
        return ns;
    }

    private async Task<KubectlResult> RunAsync(params string[] args)
    {
        var r = await _kubectl.RunAsync(args, stdin: null, timeout: Patience);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {r}");
        return r;
    }

    /// <summary>Creates ConfigMap <paramref name="owner"/> and dependents owned by it (blockOwnerDeletion) in <paramref name="ns"/>.</summary>
    private async Task CreateOwnerAndDependentsAsync(string ns, string owner, params string[] dependents)
    {
        await _kubectl.OkAsync("-n", ns, "create", "configmap", owner, "--from-literal=role=owner");
        var uid = await _kubectl.OkAsync("-n", ns, "get", "configmap", owner, "-o", "jsonpath={.metadata.uid}");
        Assert.Matches("^[0-9a-f-]{36}$", uid);
        foreach (var dependent in dependents)
        {
            var yaml = $$"""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {{dependent}}
                  namespace: {{ns}}
                  ownerReferences:
                  - apiVersion: v1
                    kind: ConfigMap
                    name: {{owner}}
                    uid: {{uid}}
                    blockOwnerDeletion: true
                data: {role: dependent}
                """;
            var r = await _kubectl.RunAsync(["create", "-f", "-"], yaml);
            Assert.True(r.ExitCode == 0, r.ToString());
        }
    }

    private async Task<bool> ExistsAsync(string ns, string name)
    {
        var r = await _kubectl.RunAsync("-n", ns, "get", "configmap", name, "--ignore-not-found", "-o", "name");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Trim().Length > 0;
    }

    [KubectlFact]
    public async Task Delete_cascade_foreground_returns_once_owner_and_dependents_are_gone()
    {
        var ns = await NewNamespaceAsync();
        await CreateOwnerAndDependentsAsync(ns, "owner", "dep1", "dep2");

        var r = await RunAsync("-n", ns, "delete", "configmap", "owner", "--cascade=foreground", "--timeout=120s");
        Assert.Contains("configmap \"owner\" deleted", r.Stdout);

        Assert.False(await ExistsAsync(ns, "owner"));
        Assert.False(await ExistsAsync(ns, "dep1"));
        Assert.False(await ExistsAsync(ns, "dep2"));
    }

    [KubectlFact]
    public async Task Delete_cascade_orphan_leaves_dependents_without_owner_references()
    {
        var ns = await NewNamespaceAsync();
        await CreateOwnerAndDependentsAsync(ns, "owner", "dep1", "dep2");

        var r = await RunAsync("-n", ns, "delete", "configmap", "owner", "--cascade=orphan", "--timeout=120s");
        Assert.Contains("configmap \"owner\" deleted", r.Stdout);

        Assert.False(await ExistsAsync(ns, "owner"));
        foreach (var dep in new[] { "dep1", "dep2" })
        {
            Assert.Equal("", await _kubectl.OkAsync("-n", ns, "get", "configmap", dep, "-o", "jsonpath={.metadata.ownerReferences}"));
        }
    }

    [KubectlFact]
    public async Task Delete_cascade_background_collects_dependents()
    {
        var ns = await NewNamespaceAsync();
        await CreateOwnerAndDependentsAsync(ns, "owner", "dep");
        await RunAsync("-n", ns, "delete", "configmap", "owner");
        var deadline = DateTime.UtcNow + Patience;
        while (await ExistsAsync(ns, "dep"))
        {
            Assert.True(DateTime.UtcNow < deadline, "dependent not collected");
            await Task.Delay(250);
        }
    }

    [KubectlFact]
    public async Task Delete_dry_run_server_keeps_the_object()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "keep", "--from-literal=a=b");
        var rv = await _kubectl.OkAsync("-n", ns, "get", "configmap", "keep", "-o", "jsonpath={.metadata.resourceVersion}");

        var r = await RunAsync("-n", ns, "delete", "configmap", "keep", "--dry-run=server");
        Assert.Contains("configmap \"keep\" deleted (server dry run)", r.Stdout);

        Assert.Equal(rv, await _kubectl.OkAsync("-n", ns, "get", "configmap", "keep", "-o", "jsonpath={.metadata.resourceVersion}"));
        Assert.Equal("", await _kubectl.OkAsync("-n", ns, "get", "configmap", "keep", "-o", "jsonpath={.metadata.deletionTimestamp}"));
    }
}

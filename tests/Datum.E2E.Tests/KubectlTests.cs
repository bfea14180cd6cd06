using System.Diagnostics;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>The README tour, driven by the real kubectl against one shared server process.</summary>
public sealed class KubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly ITestOutputHelper _output;
    private readonly Kubectl _kubectl;

    public KubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine);
        _output.WriteLine($"server {_server.Url} data {_server.DataDir}");
    }

    public void Dispose() => _kubectl.Dispose();

    private async Task<string> NewNamespaceAsync()
    {
        var ns = ServerFixture.UniqueName("e2e");
        Assert.Contains($"namespace/{ns} created", await _kubectl.OkAsync("create", "namespace", ns));
        return ns;
    }

    private string WriteManifest(string yaml)
    {
        var path = Path.Combine(_kubectl.CacheDir, $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [KubectlFact]
    public async Task Version_prints_the_server_version()
    {
        var r = await _kubectl.RunAsync("version");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^Server Version: v\d+\.\d+\.\d+", r.Stdout);
    }

    [KubectlFact]
    public async Task Api_resources_lists_the_built_in_kinds()
    {
        var stdout = await _kubectl.OkAsync("api-resources");
        _output.WriteLine(stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0];
        int Col(string name)
        {
            var i = header.IndexOf(name, StringComparison.Ordinal);
            Assert.True(i >= 0, $"no {name} column in: {header}");
            return i;
        }
        int shortCol = Col("SHORTNAMES"), versionCol = Col("APIVERSION"), nsCol = Col("NAMESPACED"), kindCol = Col("KIND");
        // A plural may be served by several groups (serviceaccounts: core and iam.miloapis.com); kubectl lists the core
        // one first and resolves the bare name to it.
        var all = lines.Skip(1).Select(l => (Name: l[..shortCol].Trim(),
            Row: (Short: l[shortCol..versionCol].Trim(), Version: l[versionCol..nsCol].Trim(), Namespaced: l[nsCol..kindCol].Trim(), Kind: l[kindCol..].Trim()))).ToList();
        var rows = all.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.First().Row);
        Assert.Equal(("sa", "v1", "true", "ServiceAccount"), rows["serviceaccounts"]);
        Assert.Contains(all, r => r.Name == "serviceaccounts" && r.Row == ("", "iam.miloapis.com/v1alpha1", "false", "ServiceAccount"));

        Assert.Equal(("cm", "v1", "true", "ConfigMap"), rows["configmaps"]);
        Assert.Equal(("ns", "v1", "false", "Namespace"), rows["namespaces"]);
        Assert.Equal(("", "coordination.k8s.io/v1", "true", "Lease"), rows["leases"]);
    }

    [KubectlFact]
    public async Task Create_namespace_and_configmap_then_get_with_jsonpath()
    {
        var ns = await NewNamespaceAsync();
        Assert.Contains("configmap/c created", await _kubectl.OkAsync("-n", ns, "create", "configmap", "c", "--from-literal=a=b"));
        Assert.Equal("b", await _kubectl.OkAsync("-n", ns, "get", "cm", "c", "-o", "jsonpath={.data.a}"));
        Assert.Matches(@"(?m)^c\s", await _kubectl.OkAsync("-n", ns, "get", "configmaps"));
    }

    [KubectlFact]
    public async Task Get_prints_the_server_side_table_columns()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "c", "--from-literal=a=b", "--from-literal=x=y");
        var cms = await _kubectl.OkAsync("-n", ns, "get", "configmaps");
        _output.WriteLine(cms);
        Assert.Matches(@"^NAME\s+DATA\s+AGE", cms);
        Assert.Matches(@"(?m)^c\s+2\s+\S+", cms);
        var nss = await _kubectl.OkAsync("get", "namespace", ns);
        _output.WriteLine(nss);
        Assert.Matches(@"^NAME\s+STATUS\s+AGE", nss);
        Assert.Matches($@"(?m)^{ns}\s+Active\s+\S+", nss);
    }

    [KubectlFact]
    public async Task Apply_reports_created_unchanged_then_configured()
    {
        var ns = await NewNamespaceAsync();
        var yaml = $"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {"{"}name: settings, namespace: {ns}{"}"}
            data: {"{"}color: blue{"}"}
            """;
        var file = WriteManifest(yaml);
        Assert.Contains("configmap/settings created", await _kubectl.OkAsync("apply", "-f", file));
        Assert.Contains("configmap/settings unchanged", await _kubectl.OkAsync("apply", "-f", file));
        File.WriteAllText(file, yaml.Replace("blue", "green", StringComparison.Ordinal));
        Assert.Contains("configmap/settings configured", await _kubectl.OkAsync("apply", "-f", file));
        Assert.Equal("green", await _kubectl.OkAsync("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.color}"));
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration",
            await _kubectl.OkAsync("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.metadata.annotations}"));
    }

    [KubectlFact]
    public async Task Watch_shows_a_change_made_by_another_kubectl()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "settings", "--from-literal=color=blue");

        using var watch = _kubectl.Start("get", "cm", "-n", ns, "-w");
        var initial = await watch.WaitForLineAsync(l => l.StartsWith("settings ", StringComparison.Ordinal), TimeSpan.FromSeconds(15), l => _output.WriteLine($"watch: {l}"));
        Assert.True(initial is not null, $"watch never listed the initial object; stderr: {watch.Stderr}");

        var sw = Stopwatch.StartNew();
        await _kubectl.OkAsync("-n", ns, "patch", "configmap", "settings", "--type=merge", "-p", """{"data":{"size":"large"}}""");
        var patched = sw.Elapsed;
        var changed = await watch.WaitForLineAsync(l => l.StartsWith("settings ", StringComparison.Ordinal), TimeSpan.FromSeconds(10), l => _output.WriteLine($"watch: {l}"));
        var arrived = sw.Elapsed;
        Assert.True(changed is not null, $"watch did not show the patch within 10 s; stderr: {watch.Stderr}");
        Assert.Equal("large", await _kubectl.OkAsync("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.size}"));
        _output.WriteLine($"patch command took {patched.TotalMilliseconds:F0} ms; watch line arrived {arrived.TotalMilliseconds:F0} ms after the patch started");
    }

    [KubectlFact]
    public async Task Replace_with_a_stale_resourceVersion_is_a_conflict()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "settings", "--from-literal=color=blue");
        var stale = WriteManifest(await _kubectl.OkAsync("-n", ns, "get", "configmap", "settings", "-o", "yaml"));
        Assert.Contains("resourceVersion:", File.ReadAllText(stale));
        await _kubectl.OkAsync("-n", ns, "label", "configmap", "settings", "touched=yes");

        var r = await _kubectl.RunAsync("replace", "-f", stale);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("Conflict", r.Stderr);
        Assert.Equal("yes", await _kubectl.OkAsync("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.metadata.labels.touched}"));
    }

    [KubectlFact]
    public async Task Describe_configmap_prints_events_section()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "c", "--from-literal=a=b");
        var r = await _kubectl.RunAsync("describe", "cm", "c", "-n", ns);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^Name:\s+c$", r.Stdout);
        Assert.Matches($@"(?m)^Namespace:\s+{ns}$", r.Stdout);
        Assert.Contains("Events:", r.Stdout);
    }

    [KubectlFact]
    public async Task OpenApi_v3_lists_group_versions_and_v2_is_not_found()
    {
        var v3 = await _kubectl.OkAsync("get", "--raw", "/openapi/v3");
        Assert.Contains("\"api/v1\"", v3);
        Assert.Contains("\"apis/coordination.k8s.io/v1\"", v3);

        var v2 = await _kubectl.RunAsync("get", "--raw", "/openapi/v2");
        Assert.True(v2.ExitCode != 0, v2.ToString());
        Assert.Contains("NotFound", v2.Stderr);
    }

    [KubectlFact]
    public async Task Finalizers_hold_deletion_until_removed()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "settings", "--from-literal=color=blue");
        await _kubectl.OkAsync("-n", ns, "patch", "configmap", "settings", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold"]}}""");
        await _kubectl.OkAsync("-n", ns, "delete", "configmap", "settings", "--wait=false");

        var deletionTimestamp = await _kubectl.OkAsync("-n", ns, "get", "configmap", "settings", "-o", "jsonpath={.metadata.deletionTimestamp}");
        Assert.False(string.IsNullOrWhiteSpace(deletionTimestamp));
        Assert.True(DateTimeOffset.TryParse(deletionTimestamp, System.Globalization.CultureInfo.InvariantCulture, out _), deletionTimestamp);

        await _kubectl.OkAsync("-n", ns, "patch", "configmap", "settings", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        var gone = await _kubectl.RunAsync("-n", ns, "get", "configmap", "settings");
        Assert.True(gone.ExitCode != 0, gone.ToString());
        Assert.Contains("NotFound", gone.Stderr);
    }

    [KubectlFact]
    public async Task Auth_whoami_is_admin_and_a_bad_token_is_unauthorized()
    {
        var whoami = await _kubectl.OkAsync("auth", "whoami");
        Assert.Matches(@"(?m)^Username\s+admin\s*$", whoami);

        // Warm the discovery cache first, so the 401 comes from the list itself and kubectl prints the Status reason.
        await _kubectl.OkAsync("get", "cm");
        var bad = await _kubectl.RunAsync("--token=bad", "get", "cm");
        Assert.True(bad.ExitCode != 0, bad.ToString());
        Assert.Contains("Unauthorized", bad.Stderr);
    }

    [KubectlFact]
    public async Task Chunked_list_selectors_and_json_patch()
    {
        var ns = await NewNamespaceAsync();
        foreach (var i in new[] { 1, 2, 3 })
        {
            await _kubectl.OkAsync("-n", ns, "create", "configmap", $"c{i}", $"--from-literal=a={i}");
        }
        var names = await _kubectl.OkAsync("-n", ns, "get", "cm", "--chunk-size=1", "-o", "jsonpath={.items[*].metadata.name}");
        Assert.Equal("c1 c2 c3", names);

        await _kubectl.OkAsync("-n", ns, "label", "configmap", "c1", "x=y");
        Assert.Equal("c1", await _kubectl.OkAsync("-n", ns, "get", "cm", "-l", "x=y", "-o", "jsonpath={.items[*].metadata.name}"));
        Assert.Equal("c2", await _kubectl.OkAsync("-n", ns, "get", "cm", "--field-selector", "metadata.name=c2", "-o", "jsonpath={.items[*].metadata.name}"));

        await _kubectl.OkAsync("-n", ns, "patch", "configmap", "c3", "--type=json", "-p", """[{"op":"replace","path":"/data/a","value":"z"}]""");
        Assert.Equal("z", await _kubectl.OkAsync("-n", ns, "get", "cm", "c3", "-o", "jsonpath={.data.a}"));
    }

    [KubectlFact]
    public async Task Server_side_apply_creates_then_updates()
    {
        var ns = await NewNamespaceAsync();
        var yaml = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ssa, namespace: {ns}}}\ndata: {{k: v1, keep: x}}\n";
        var first = await _kubectl.RunAsync(["apply", "--server-side", "-f", "-"], yaml);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("configmap/ssa serverside-applied", first.Stdout);
        var second = await _kubectl.RunAsync(["apply", "--server-side", "-f", "-"], yaml.Replace("v1,", "v2,", StringComparison.Ordinal));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("configmap/ssa serverside-applied", second.Stdout);
        Assert.Equal("v2", await _kubectl.OkAsync("-n", ns, "get", "cm", "ssa", "-o", "jsonpath={.data.k}"));
        Assert.Contains("kubectl", await _kubectl.OkAsync("-n", ns, "get", "cm", "ssa", "-o", "jsonpath={.metadata.managedFields[*].manager}"));

        // Another manager changing a field kubectl owns conflicts, until it forces.
        var other = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ssa, namespace: {ns}}}\ndata: {{k: theirs}}\n";
        var conflict = await _kubectl.RunAsync(["apply", "--server-side", "--field-manager=other", "-f", "-"], other);
        Assert.True(conflict.ExitCode != 0, conflict.ToString());
        Assert.Contains("conflict", conflict.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(".data.k", conflict.Stderr);
        Assert.Equal("v2", await _kubectl.OkAsync("-n", ns, "get", "cm", "ssa", "-o", "jsonpath={.data.k}"));

        var forced = await _kubectl.RunAsync(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"], other);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("theirs", await _kubectl.OkAsync("-n", ns, "get", "cm", "ssa", "-o", "jsonpath={.data.k}"));

        var managed = await _kubectl.OkAsync("-n", ns, "get", "cm", "ssa", "-o", "yaml", "--show-managed-fields");
        _output.WriteLine(managed);
        Assert.Contains("manager: kubectl", managed);
        Assert.Contains("manager: other", managed);
        Assert.Contains("operation: Apply", managed);
        Assert.Contains("f:keep: {}", managed);
    }

    [KubectlFact]
    public async Task Client_side_apply_records_its_manager_and_migrates_to_server_side()
    {
        var ns = await NewNamespaceAsync();
        var file = WriteManifest($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: csa, namespace: {ns}}}\ndata: {{color: blue}}\n");
        Assert.Contains("configmap/csa created", await _kubectl.OkAsync("apply", "-f", file));
        Assert.Contains("configmap/csa unchanged", await _kubectl.OkAsync("apply", "-f", file));
        File.WriteAllText(file, File.ReadAllText(file).Replace("blue", "green", StringComparison.Ordinal));
        Assert.Contains("configmap/csa configured", await _kubectl.OkAsync("apply", "-f", file));
        var managed = await _kubectl.OkAsync("-n", ns, "get", "cm", "csa", "-o", "yaml", "--show-managed-fields");
        _output.WriteLine(managed);
        Assert.Contains("manager: kubectl-client-side-apply", managed);
        Assert.Contains("operation: Update", managed);
        Assert.Contains("f:kubectl.kubernetes.io/last-applied-configuration: {}", managed);

        // Switching to server-side apply migrates the client-side manager's fields to kubectl's Apply entry.
        var ssa = await _kubectl.RunAsync("apply", "--server-side", "-f", file);
        Assert.True(ssa.ExitCode == 0, ssa.ToString());
        Assert.Contains("configmap/csa serverside-applied", ssa.Stdout);
        Assert.True(ssa.Stderr.Trim().Length == 0, ssa.ToString());
        var after = await _kubectl.OkAsync("-n", ns, "get", "cm", "csa", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}");
        // kubectl keeps the last-applied annotation current under its own "kubectl-last-applied" Apply manager.
        Assert.Contains("kubectl/Apply", after);
        Assert.DoesNotContain("kubectl-client-side-apply", after);

        // And back: client-side apply still works on the migrated object.
        File.WriteAllText(file, File.ReadAllText(file).Replace("green", "red", StringComparison.Ordinal));
        Assert.Contains("configmap/csa configured", await _kubectl.OkAsync("apply", "-f", file));
        Assert.Equal("red", await _kubectl.OkAsync("-n", ns, "get", "cm", "csa", "-o", "jsonpath={.data.color}"));
    }

    [KubectlFact]
    public async Task Deleting_a_namespace_deletes_its_contents()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "inside", "--from-literal=a=b");
        var delete = await _kubectl.RunAsync(["delete", "namespace", ns, "--timeout=30s"], stdin: null, timeout: TimeSpan.FromSeconds(40));
        Assert.True(delete.ExitCode == 0, delete.ToString());
        var gone = await _kubectl.RunAsync("get", "namespace", ns);
        Assert.Contains("NotFound", gone.Stderr);
        Assert.DoesNotContain(ns, await _kubectl.OkAsync("get", "cm", "-A", "-o", "jsonpath={.items[*].metadata.namespace}"));
        await _kubectl.OkAsync("create", "namespace", ns);
        Assert.Equal("", await _kubectl.OkAsync("-n", ns, "get", "cm", "-o", "jsonpath={.items[*].metadata.name}"));
    }
}

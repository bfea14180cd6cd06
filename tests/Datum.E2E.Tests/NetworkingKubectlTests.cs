using System.Diagnostics;
using System.Text.Json.Nodes;
using Datum.Networking.Ipam;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>Networking acceptance with the real kubectl against `datum up`: networks, bindings, contexts, subnets, IPAM.</summary>
public sealed class NetworkingKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly Kubectl _kubectl;
    private readonly ITestOutputHelper _output;

    public NetworkingKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    private static string Claim(string ns, string name, string location, string family = "IPv4", string? extra = null) => $"""
        apiVersion: networking.datumapis.com/v1alpha
        kind: SubnetClaim
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec: {"{"}subnetClass: private, ipFamily: {family}, networkContext: {"{"}name: net-{location}{"}"}, location: {"{"}name: {location}{"}"}{extra}{"}"}
        ---

        """;

    private static string NetworkAndBindings(string ns, string? range, string families, params string[] locations)
    {
        var ipam = range is null ? "{mode: Auto}" : $"{{mode: Auto, ipv4Range: {range}}}";
        var yaml = $"""
            apiVersion: networking.datumapis.com/v1alpha
            kind: Network
            metadata: {"{"}name: net, namespace: {ns}{"}"}
            spec: {"{"}ipam: {ipam}, ipFamilies: [{families}]{"}"}
            ---

            """;
        foreach (var l in locations)
        {
            yaml += $"""
                apiVersion: networking.datumapis.com/v1alpha
                kind: NetworkBinding
                metadata: {"{"}name: bind-{l}, namespace: {ns}{"}"}
                spec: {"{"}network: {"{"}name: net{"}"}, location: {"{"}name: {l}{"}"}{"}"}
                ---

                """;
        }
        return yaml;
    }

    private static async Task ApplyAsync(Kubectl kubectl, string yaml, params string[] context)
    {
        var result = await kubectl.RunAsync([.. context, "apply", "-f", "-"], yaml);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static List<Cidr> Prefixes(JsonNode subnets) => [.. subnets["items"]!.AsArray().Select(s =>
        Cidr.Parse($"{s!["status"]!["startAddress"]}/{s["status"]!["prefixLength"]}"))];

    private static void AssertDisjoint(IReadOnlyList<Cidr> prefixes)
    {
        for (var i = 0; i < prefixes.Count; i++)
        {
            for (var j = i + 1; j < prefixes.Count; j++) Assert.False(prefixes[i].Overlaps(prefixes[j]), $"{prefixes[i]} overlaps {prefixes[j]}");
        }
    }

    [KubectlFact]
    public async Task Networks_bindings_contexts_and_subnets_become_ready_and_deletion_removes_everything()
    {
        var ns = ServerFixture.UniqueName("net");
        await _kubectl.OkAsync("create", "namespace", ns);
        Assert.Contains("dfw", await _kubectl.OkAsync("get", "locations"));
        await ApplyAsync(_kubectl, NetworkAndBindings(ns, null, "IPv4, IPv6", "dfw", "lhr", "ams") +
            Claim(ns, "c-dfw", "dfw") + Claim(ns, "c-lhr", "lhr") + Claim(ns, "c-ams", "ams") + Claim(ns, "c-dfw-v6", "dfw", "IPv6"));
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkcontexts", "--all", "--timeout=60s");
        Assert.Equal(3, (await _kubectl.OkAsync("-n", ns, "get", "networkcontexts", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkbindings", "--all", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "subnetclaims", "--all", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "network/net", "--timeout=60s");

        var network = JsonNode.Parse(await _kubectl.OkAsync("-n", ns, "get", "network", "net", "-o", "json"))!;
        var v6 = Cidr.Parse(network["status"]!["ipam"]!["ipv6Prefix"]!.GetValue<string>());
        Assert.Equal(48, v6.PrefixLength);
        Assert.True(Cidr.Parse("fd20::/20").Contains(v6));
        var subnets = Prefixes(JsonNode.Parse(await _kubectl.OkAsync("-n", ns, "get", "subnets", "-o", "json"))!);
        Assert.Equal(4, subnets.Count);
        AssertDisjoint(subnets);
        Assert.All(subnets.Where(s => !s.IsV6), s => { Assert.Equal(20, s.PrefixLength); Assert.True(Cidr.Parse("10.128.0.0/9").Contains(s)); });
        Assert.All(subnets.Where(s => s.IsV6), s => { Assert.Equal(64, s.PrefixLength); Assert.True(v6.Contains(s)); });
        var wide = await _kubectl.OkAsync("-n", ns, "get", "networks,networkcontexts,subnets", "-o", "wide");
        Assert.Contains("net-dfw", wide);
        Assert.Contains("10.128.", wide);

        await _kubectl.OkAsync("-n", ns, "delete", "networkbindings", "--all", "--wait=true", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "wait", "--for=delete", "networkcontexts", "--all", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "delete", "network", "net", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "delete", "subnetclaims", "--all", "--timeout=60s");
        Assert.Equal("", (await _kubectl.OkAsync("-n", ns, "get", "networks,networkcontexts,subnets,subnetclaims", "-o", "name")).Trim());
        Assert.DoesNotContain($"subnets.{ns}.net", await _kubectl.OkAsync("get", "ipallocations", "-o", "name"));
        Assert.DoesNotContain(v6.ToName(), await _kubectl.OkAsync("--context", "platform", "get", "ipallocations", "-o", "name"));
    }

    [KubectlFact]
    public async Task Bad_input_is_rejected_with_422_and_the_field_path()
    {
        var ns = ServerFixture.UniqueName("netbad");
        await _kubectl.OkAsync("create", "namespace", ns);
        async Task Rejected(string yaml, params string[] expected)
        {
            var result = await _kubectl.RunAsync(["apply", "-f", "-"], yaml);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("is invalid", result.Stderr);
            foreach (var e in expected) Assert.Contains(e, result.Stderr);
        }
        await Rejected($$"""
            apiVersion: networking.datumapis.com/v1alpha
            kind: Network
            metadata: {name: bad, namespace: {{ns}}}
            spec: {ipam: {mode: Auto, ipv4Range: 10.0.0.0/33}, mtu: 1200, ipFamilies: [IPv5]}
            """, "spec.ipam.ipv4Range", "spec.mtu", "spec.ipFamilies[0]", "IPv5");
        await Rejected($$"""
            apiVersion: networking.datumapis.com/v1alpha
            kind: Network
            metadata: {name: bad, namespace: {{ns}}}
            spec: {mtu: 9000}
            """, "spec.mtu: Invalid value: 9000");
        await Rejected($$$"""
            apiVersion: networking.datumapis.com/v1alpha
            kind: NetworkBinding
            metadata: {name: b, namespace: {{{ns}}}}
            spec: {network: {name: net}, location: {name: atlantis}}
            """, "spec.location.name", "atlantis");
        await ApplyAsync(_kubectl, NetworkAndBindings(ns, null, "IPv4", "dfw"));
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkcontext/net-dfw", "--timeout=60s");
        await Rejected(Claim(ns, "outside", "dfw", extra: ", startAddress: 192.168.0.0"), "spec.startAddress", "outside");
        await Rejected(Claim(ns, "family", "dfw", "IPv7"), "spec.ipFamily");
        await Rejected(Claim(ns, "misaligned", "dfw", extra: ", startAddress: 10.128.0.1"), "spec.startAddress", "10.128.0.0");

        // A requested prefix is honoured when free and refused clearly when taken.
        await ApplyAsync(_kubectl, Claim(ns, "want", "dfw", extra: ", startAddress: 10.200.0.0, prefixLength: 24"));
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Allocated", "subnetclaim/want", "--timeout=60s");
        Assert.Equal("10.200.0.0/24", await _kubectl.OkAsync("-n", ns, "get", "subnetclaim", "want", "-o", "jsonpath={.status.startAddress}/{.status.prefixLength}"));
        await ApplyAsync(_kubectl, Claim(ns, "taken", "dfw", extra: ", startAddress: 10.200.0.0, prefixLength: 22"));
        await _kubectl.OkAsync("-n", ns, "wait", "--for=jsonpath={.status.conditions[?(@.type==\"Allocated\")].reason}=PrefixUnavailable", "subnetclaim/taken", "--timeout=60s");
        Assert.Contains("overlaps 10.200.0.0/24", await _kubectl.OkAsync("-n", ns, "get", "subnetclaim", "taken", "-o", "jsonpath={.status.conditions[?(@.type==\"Allocated\")].message}"));

        // Locations are read-only in a project.
        var write = await _kubectl.RunAsync(["apply", "-f", "-"], """
            apiVersion: networking.datumapis.com/v1alpha
            kind: Location
            metadata: {name: mine}
            spec: {locationClassName: datum-managed, topology: {topology.datum.net/city-code: XXX}}
            """);
        Assert.Contains("Forbidden", write.Stderr);
    }

    [KubectlFact]
    public async Task Two_projects_reuse_IPv4_ranges_but_never_share_an_IPv6_48()
    {
        var project = "nete2e-" + Guid.NewGuid().ToString("N")[..8];
        await ApplyAsync(_kubectl, $"""
            apiVersion: resourcemanager.miloapis.com/v1alpha1
            kind: Project
            metadata: {"{"}name: {project}{"}"}
            spec: {"{"}ownerRef: {"{"}kind: Organization, name: default-org{"}"}{"}"}
            """, "--context", "platform");
        await _kubectl.OkAsync("--context", "platform", "wait", "--for=condition=Ready", $"project/{project}", "--timeout=30s");
        var kubeconfig = Path.Combine(_kubectl.CacheDir, project + ".kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, await DatumKubeconfigAsync("--project", project));
        using var other = new Kubectl(kubeconfig, _output.WriteLine);
        var ns = ServerFixture.UniqueName("vpc");
        var prefixes = new List<Cidr>();
        var v6 = new List<Cidr>();
        foreach (var k in new[] { _kubectl, other })
        {
            await k.OkAsync("create", "namespace", ns);
            await ApplyAsync(k, NetworkAndBindings(ns, "10.10.0.0/16", "IPv4", "syd") + Claim(ns, "c", "syd"));
            await k.OkAsync("-n", ns, "wait", "--for=condition=Ready", "subnetclaim/c", "network/net", "--timeout=60s");
            prefixes.Add(Prefixes(JsonNode.Parse(await k.OkAsync("-n", ns, "get", "subnets", "-o", "json"))!).Single());
            v6.Add(Cidr.Parse(await k.OkAsync("-n", ns, "get", "network", "net", "-o", "jsonpath={.status.ipam.ipv6Prefix}")));
        }
        Assert.Equal(prefixes[0], prefixes[1]); // separate VPCs: the same IPv4 subnet is fine
        Assert.False(v6[0].Overlaps(v6[1]), $"{v6[0]} and {v6[1]} collide");
        await _kubectl.OkAsync("--context", "platform", "delete", "project", project, "--wait=false");
    }

    [KubectlFact]
    public async Task Sixty_four_concurrent_claims_survive_a_kill_9_without_overlap_or_leak()
    {
        await using var server = await ServerProcess.StartAsync();
        using var kubectl = new Kubectl(server.KubeconfigPath, _output.WriteLine);
        const string ns = "burst";
        await kubectl.OkAsync("create", "namespace", ns);
        // 10.0.0.0/15 holds 32 /20s: half of the 64 claims must be refused as exhausted, with a reason.
        await ApplyAsync(kubectl, NetworkAndBindings(ns, "10.0.0.0/15", "IPv4", "dfw"));
        await kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkcontext/net-dfw", "--timeout=60s");
        var yaml = string.Concat(Enumerable.Range(0, 64).Select(i => Claim(ns, $"c{i:00}", "dfw")));
        await ApplyAsync(kubectl, yaml);
        server.Kill(); // kill -9 in the middle of the allocations
        await server.RestartAsync();

        JsonArray claims;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            claims = JsonNode.Parse(await kubectl.OkAsync("-n", ns, "get", "subnetclaims", "-o", "json"))!["items"]!.AsArray();
            var settled = claims.Count(c => Allocated(c) is ("True", _) or ("False", "RangeExhausted"));
            if (settled == 64) break;
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"only {settled} of 64 claims settled");
            await Task.Delay(500);
        }
        var allocated = claims.Where(c => Allocated(c).Status == "True").Select(c => c!["metadata"]!["name"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(32, allocated.Count);
        var subnets = JsonNode.Parse(await kubectl.OkAsync("-n", ns, "get", "subnets", "-o", "json"))!;
        var prefixes = Prefixes(subnets);
        Assert.Equal(32, prefixes.Count);
        AssertDisjoint(prefixes);
        Assert.All(prefixes, p => Assert.True(Cidr.Parse("10.0.0.0/15").Contains(p)));
        Assert.Equal(allocated, subnets["items"]!.AsArray().Select(s => s!["metadata"]!["name"]!.GetValue<string>()).ToHashSet());
        var ledger = JsonNode.Parse(await kubectl.OkAsync("get", "ipallocation", $"subnets.{ns}.net", "-o", "json"))!;
        var entries = ledger["spec"]!["allocations"]!.AsArray().Select(e => Cidr.Parse(e!["prefix"]!.GetValue<string>())).ToHashSet();
        Assert.Equal(prefixes.ToHashSet(), entries); // nothing leaked

        // Releasing: deleting every claim empties the ledger.
        await kubectl.OkAsync("-n", ns, "delete", "subnetclaims", "--all", "--timeout=120s");
        Assert.Equal("", (await kubectl.OkAsync("-n", ns, "get", "subnets", "-o", "name")).Trim());
        Assert.Equal("0", await kubectl.OkAsync("get", "ipallocation", $"subnets.{ns}.net", "-o", "jsonpath={.spec.allocations[*].prefix}") is { Length: 0 } ? "0" : "leaked");
    }

    private static (string? Status, string? Reason) Allocated(JsonNode? claim)
    {
        var condition = claim?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Allocated");
        return (condition?["status"]?.GetValue<string>(), condition?["reason"]?.GetValue<string>());
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

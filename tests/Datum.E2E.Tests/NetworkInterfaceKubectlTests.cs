using System.Diagnostics;
using System.Text.Json.Nodes;
using Datum.Networking.Ipam;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>NetworkInterfaceClaim → NetworkInterface with the real kubectl against `datum up`.</summary>
public sealed class NetworkInterfaceKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly Kubectl _kubectl;
    private readonly ITestOutputHelper _output;

    public NetworkInterfaceKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    private static string Network(string ns, string families, string location) => $$$"""
        apiVersion: networking.datumapis.com/v1alpha
        kind: Network
        metadata: {name: net, namespace: {{{ns}}}}
        spec: {ipam: {mode: Auto}, ipFamilies: [{{{families}}}]}
        ---
        apiVersion: networking.datumapis.com/v1alpha
        kind: NetworkBinding
        metadata: {name: bind-{{{location}}}, namespace: {{{ns}}}}
        spec: {network: {name: net}, location: {name: {{{location}}}}}
        ---

        """;

    private static string Claim(string ns, string name, string location, string? extra = null) => $$$"""
        apiVersion: networking.datumapis.com/v1alpha
        kind: NetworkInterfaceClaim
        metadata: {name: {{{name}}}, namespace: {{{ns}}}}
        spec: {network: {name: net}, location: {name: {{{location}}}}{{{extra}}}}
        ---

        """;

    private static async Task ApplyAsync(Kubectl kubectl, string yaml)
    {
        var result = await kubectl.RunAsync(["apply", "-f", "-"], yaml);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>Every (address, owner) stored in the address blocks of the namespace's interface subnets.</summary>
    private static async Task<List<(string Address, string Owner)>> BlockEntriesAsync(Kubectl kubectl, string ns)
    {
        var subnets = JsonNode.Parse(await kubectl.OkAsync("-n", ns, "get", "subnets", "-o", "json"))!["items"]!.AsArray();
        var entries = new List<(string, string)>();
        foreach (var subnet in subnets)
        {
            var uid = subnet!["metadata"]!["uid"]!.GetValue<string>();
            var blocks = JsonNode.Parse(await kubectl.OkAsync("get", "ipallocations", "-l", $"{AddressBlockAllocator.PoolLabel}={uid}", "-o", "json"))!["items"]!.AsArray();
            entries.AddRange(blocks.SelectMany(b => b!["spec"]!["addresses"]?.AsArray() ?? []).Select(e => (e!["address"]!.GetValue<string>(), e["owner"]!.GetValue<string>())));
        }
        return entries;
    }

    [KubectlFact]
    public async Task Claims_become_ready_interfaces_and_deletion_releases_or_retains()
    {
        var ns = ServerFixture.UniqueName("nic");
        await _kubectl.OkAsync("create", "namespace", ns);
        await ApplyAsync(_kubectl, Network(ns, "IPv4, IPv6", "dfw") + Claim(ns, "web-0", "dfw") + Claim(ns, "db-0", "dfw", ", reclaimPolicy: Retain, interfaceName: net1"));
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkinterfaceclaims", "--all", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkinterfaces", "--all", "--timeout=60s");

        var wide = await _kubectl.OkAsync("-n", ns, "get", "networkinterfaceclaims,networkinterfaces", "-o", "wide");
        _output.WriteLine(wide);
        Assert.Contains("ADDRESSES", wide);
        Assert.Contains("GATEWAY", wide);
        Assert.Contains("Bound", wide);
        Assert.Contains("net1", wide);
        Assert.Contains("Retain", wide);

        var nic = JsonNode.Parse(await _kubectl.OkAsync("-n", ns, "get", "networkinterface", "web-0", "-o", "json"))!;
        var addresses = nic["spec"]!["addresses"]!.AsArray();
        Assert.Equal(["IPv4", "IPv6"], addresses.Select(a => a!["family"]!.GetValue<string>()));
        Assert.Single(addresses, a => a!["primary"]?.GetValue<bool>() == true);
        var v4 = Cidr.Parse(await _kubectl.OkAsync("-n", ns, "get", "subnet", "net-dfw-ipv4", "-o", "jsonpath={.status.startAddress}/{.status.prefixLength}"));
        Assert.Equal(20, v4.PrefixLength);
        Assert.True(Cidr.TryParseAddress(addresses[0]!["address"]!.GetValue<string>(), out var a4, out _) && v4.Contains(a4));
        Assert.Equal(Cidr.ToAddress(v4.Start + 1, false).ToString(), addresses[0]!["gateway"]!.GetValue<string>());
        Assert.Equal("NetworkInterfaceClaim", nic["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
        var claimAddress = await _kubectl.OkAsync("-n", ns, "get", "networkinterfaceclaim", "web-0", "-o", "jsonpath={.status.addresses[0].address}");
        Assert.Equal(addresses[0]!["address"]!.GetValue<string>(), claimAddress);
        Assert.Equal(4, (await BlockEntriesAsync(_kubectl, ns)).Count); // 2 interfaces × 2 families

        // Delete: the interface goes and its addresses return to the blocks.
        await _kubectl.OkAsync("-n", ns, "delete", "networkinterfaceclaim", "web-0", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "wait", "--for=delete", "networkinterface/web-0", "--timeout=60s");
        Assert.Equal(2, (await BlockEntriesAsync(_kubectl, ns)).Count);

        // Retain: the interface stays (Available) with its addresses until it is deleted itself.
        var retained = await _kubectl.OkAsync("-n", ns, "get", "networkinterface", "db-0", "-o", "jsonpath={.spec.addresses[0].address}");
        await _kubectl.OkAsync("-n", ns, "delete", "networkinterfaceclaim", "db-0", "--timeout=60s");
        await _kubectl.OkAsync("-n", ns, "wait", "--for=jsonpath={.status.phase}=Available", "networkinterface/db-0", "--timeout=60s");
        Assert.Equal(retained, await _kubectl.OkAsync("-n", ns, "get", "networkinterface", "db-0", "-o", "jsonpath={.spec.addresses[0].address}"));
        Assert.Equal(2, (await BlockEntriesAsync(_kubectl, ns)).Count);
        await _kubectl.OkAsync("-n", ns, "delete", "networkinterface", "db-0", "--timeout=60s");
        Assert.Empty(await BlockEntriesAsync(_kubectl, ns));
    }

    [KubectlFact]
    public async Task Bad_claims_are_rejected_with_422_and_the_field_path()
    {
        var ns = ServerFixture.UniqueName("nicbad");
        await _kubectl.OkAsync("create", "namespace", ns);
        async Task Rejected(string yaml, params string[] expected)
        {
            var result = await _kubectl.RunAsync(["apply", "-f", "-"], yaml);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("is invalid", result.Stderr);
            foreach (var e in expected) Assert.Contains(e, result.Stderr);
        }
        await Rejected(Claim(ns, "long", "dfw", ", interfaceName: this-is-too-long0"), "spec.interfaceName");
        await Rejected(Claim(ns, "mode", "dfw", ", attachmentMode: Bridge"), "spec.attachmentMode", "Netns");
        await Rejected(Claim(ns, "where", "atlantis"), "spec.location.name", "atlantis");
        await Rejected(Claim(ns, "fam", "dfw", ", ipFamilies: [IPv5]"), "spec.ipFamilies[0]");
        Assert.Equal("", (await _kubectl.OkAsync("-n", ns, "get", "networkinterfaceclaims", "-o", "name")).Trim());
        await ApplyAsync(_kubectl, Claim(ns, "ok", "dfw"));
        var patch = await _kubectl.RunAsync("-n", ns, "patch", "networkinterfaceclaim", "ok", "--type=merge", "-p", """{"spec":{"network":{"name":"other"}}}""");
        Assert.NotEqual(0, patch.ExitCode);
        Assert.Contains("spec.network", patch.Stderr);
        Assert.Contains("immutable", patch.Stderr);
    }

    [KubectlFact]
    public async Task IAM_ships_protected_resources_and_role_permissions_for_the_interface_kinds()
    {
        foreach (var singular in new[] { "networkinterfaceclaim", "networkinterface" })
        {
            Assert.Equal($"{singular}s", await _kubectl.OkAsync("--context", "platform", "get", "protectedresource", $"networking.datumapis.com-{singular}", "-o", "jsonpath={.spec.plural}"));
        }
        var editor = await _kubectl.OkAsync("--context", "platform", "-n", "milo-system", "get", "role", "networking.datumapis.com-editor", "-o", "jsonpath={.spec.includedPermissions}");
        Assert.Contains("networking.datumapis.com/networkinterfaceclaims.create", editor);
        Assert.Contains("networking.datumapis.com/networkinterfaces.delete", editor);
        var viewer = await _kubectl.OkAsync("--context", "platform", "-n", "milo-system", "get", "role", "networking.datumapis.com-viewer", "-o", "jsonpath={.spec.includedPermissions}");
        Assert.Contains("networking.datumapis.com/networkinterfaces.list", viewer);
        Assert.DoesNotContain("networking.datumapis.com/networkinterfaceclaims.create", viewer);
    }

    [KubectlFact]
    public async Task Sixty_four_concurrent_claims_survive_a_kill_9_without_duplicates_or_leaks()
    {
        await using var server = await ServerProcess.StartAsync();
        using var kubectl = new Kubectl(server.KubeconfigPath, _output.WriteLine);
        const string ns = "nicburst";
        await kubectl.OkAsync("create", "namespace", ns);
        await ApplyAsync(kubectl, Network(ns, "IPv4", "dfw"));
        await kubectl.OkAsync("-n", ns, "wait", "--for=condition=Ready", "networkcontext/net-dfw", "--timeout=60s");
        await ApplyAsync(kubectl, string.Concat(Enumerable.Range(0, 64).Select(i => Claim(ns, $"c{i:00}", "dfw"))));
        await Task.Delay(Random.Shared.Next(200, 1500));
        server.Kill(); // kill -9 while the controllers allocate
        await server.RestartAsync();

        JsonArray claims;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            claims = JsonNode.Parse(await kubectl.OkAsync("-n", ns, "get", "networkinterfaceclaims", "-o", "json"))!["items"]!.AsArray();
            var bound = claims.Count(c => c!["status"]?["conditions"]?.AsArray().Any(x => x!["type"]!.GetValue<string>() == "Allocated" && x["status"]!.GetValue<string>() == "True") == true);
            if (bound == 64) break;
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"only {bound} of 64 claims allocated");
            await Task.Delay(500);
        }
        var nics = JsonNode.Parse(await kubectl.OkAsync("-n", ns, "get", "networkinterfaces", "-o", "json"))!["items"]!.AsArray();
        Assert.Equal(64, nics.Count);
        var held = nics.Select(n => (n!["spec"]!["addresses"]![0]!["address"]!.GetValue<string>(), n["spec"]!["claimRef"]!["uid"]!.GetValue<string>())).ToList();
        Assert.Equal(64, held.Select(h => h.Item1).Distinct().Count());
        var stored = await BlockEntriesAsync(kubectl, ns);
        Assert.Equal(held.ToHashSet(), stored.ToHashSet()); // every address stored for its owner, nothing leaked
        Assert.Equal(stored.Count, stored.Select(s => s.Address).Distinct().Count());

        await kubectl.OkAsync("-n", ns, "delete", "networkinterfaceclaims", "--all", "--timeout=120s");
        Assert.Equal("", (await kubectl.OkAsync("-n", ns, "get", "networkinterfaces", "-o", "name")).Trim());
        Assert.Empty(await BlockEntriesAsync(kubectl, ns));
    }
}

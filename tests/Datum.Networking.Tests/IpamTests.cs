using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Runtime.Api;
using Xunit.Abstractions;

namespace Datum.Networking.Tests;

public sealed class IpamTests(InProcessServer fixture, ITestOutputHelper output) : IClassFixture<InProcessServer>
{

    // Real claims: the ledger prunes entries whose claims do not exist when the range looks full.
    private static async Task<SubnetClaimObject> RealClaimAsync(Datum.Runtime.Client.KubeClient client, string name) =>
        await client.Resource<SubnetClaimObject>().CreateAsync(new SubnetClaimObject
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default" },
            Spec = new SubnetSpec { SubnetClass = "private", NetworkContext = new NameRef { Name = "net-dfw" }, Location = new NameRef { Name = "dfw" }, IpFamily = "IPv4" },
        });

    [Fact]
    public async Task The_ledger_never_overlaps_under_concurrency_honours_requests_and_reports_exhaustion()
    {
        var client = fixture.Root.ForCluster("project:ledger-test");
        var range = Cidr.Parse("10.0.0.0/16"); // 16 /20s
        await Provider.SimulatedLocations.EnsureAsync(fixture.Root, CancellationToken.None);
        await client.Resource<Datum.Runtime.Api.Kinds.Namespace>().CreateAsync(new Datum.Runtime.Api.Kinds.Namespace { Metadata = new ObjectMeta { Name = "default" } });
        var claims = new List<SubnetClaimObject>();
        for (var i = 0; i < 40; i++) claims.Add(await RealClaimAsync(client, $"c{i}"));
        var results = await Task.WhenAll(claims.Select(c => Task.Run(() => SubnetLedger.AllocateAsync(client, "default", "net", range, 20, null, c, CancellationToken.None))));
        var got = results.Where(r => r.Succeeded).Select(r => r.Prefix!.Value).ToList();
        Assert.Equal(16, got.Count);
        for (var i = 0; i < got.Count; i++)
        {
            for (var j = i + 1; j < got.Count; j++) Assert.False(got[i].Overlaps(got[j]));
        }
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal("RangeExhausted", r.Reason));

        // Idempotent: a claim asking again gets its own prefix back.
        var first = claims[Array.FindIndex(results, r => r.Succeeded)];
        var again = await SubnetLedger.AllocateAsync(client, "default", "net", range, 20, null, first, CancellationToken.None);
        Assert.Contains(again.Prefix!.Value, got);

        // Release, then a requested prefix is honoured when free and refused when taken.
        await SubnetLedger.ReleaseAsync(client, "default", "net", first.Metadata.Uid!, CancellationToken.None);
        var want = await SubnetLedger.AllocateAsync(client, "default", "net", range, 24, Cidr.Parse($"{again.Prefix!.Value.StartAddress}/24"), await RealClaimAsync(client, "want"), CancellationToken.None);
        Assert.True(want.Succeeded);
        var taken = await SubnetLedger.AllocateAsync(client, "default", "net", range, 24, want.Prefix, await RealClaimAsync(client, "taken"), CancellationToken.None);
        Assert.Equal("PrefixUnavailable", taken.Reason);
        Assert.Contains("overlaps", taken.Message);
    }

    [Fact]
    public async Task Records_hand_out_each_address_once_and_report_exhaustion()
    {
        var client = fixture.Root.ForCluster("project:records-test");
        var subnet = Cidr.Parse("10.9.0.0/24"); // 253 usable (network, gateway and broadcast reserved)
        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() => PrefixRecords.ClaimAsync(client, "addr.s1", subnet, 32,
            new AllocationOwner { Uid = $"owner-{i}" }, reserveEnds: true))));
        var got = results.Where(r => r.Succeeded).Select(r => r.Prefix!.Value).ToList();
        Assert.Equal(253, got.Count);
        Assert.Equal(253, got.Distinct().Count());
        Assert.DoesNotContain(Cidr.Parse("10.9.0.0/32"), got);
        Assert.DoesNotContain(Cidr.Parse("10.9.0.1/32"), got);
        Assert.DoesNotContain(Cidr.Parse("10.9.0.255/32"), got);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal("RangeExhausted", r.Reason));
    }

    [Fact]
    public async Task Network_48s_are_unique_across_projects_and_stable_for_their_owner()
    {
        var root = fixture.Root;
        var pool = Cidr.Parse("fd20::/20");
        var owners = Enumerable.Range(0, 50).Select(i => new AllocationOwner { Cluster = $"project:p{i % 5}", Uid = Guid.NewGuid().ToString() }).ToList();
        var results = await Task.WhenAll(owners.Select(o => Task.Run(() => PrefixRecords.ClaimAsync(root, "ula", pool, 48, o))));
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(50, results.Select(r => r.Prefix).Distinct().Count());
        var retry = await PrefixRecords.ClaimAsync(root, "ula", pool, 48, owners[0]);
        Assert.Equal(results[0].Prefix, retry.Prefix);
    }

    [Fact]
    public async Task Several_allocators_on_one_pool_never_hand_out_an_address_twice_and_report_exhaustion()
    {
        var client = fixture.Root.ForCluster("project:blocks-test");
        var pool = new AddressPool("several-" + Guid.NewGuid().ToString("N")[..8], Cidr.Parse("10.9.0.0/23")); // 512 - 3 reserved = 509
        var allocators = Enumerable.Range(0, 4).Select(_ => new AddressBlockAllocator()).ToList(); // as four processes
        var results = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Task.Run(() => allocators[i % 4].AllocateAsync(client, pool, $"owner-{i}", CancellationToken.None))));
        var got = results.Where(r => r.Succeeded).Select(r => r.Address!.Value).ToList();
        Assert.Equal(509, got.Count);
        Assert.Equal(509, got.Distinct().Count());
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal("RangeExhausted", r.Reason));
        foreach (var reserved in new[] { "10.9.0.0", "10.9.0.1", "10.9.1.255" })
        {
            Assert.True(Cidr.TryParseAddress(reserved, out var a, out _));
            Assert.DoesNotContain(a, got);
        }
        var stored = await new AddressBlockAllocator().ReadAsync(client, pool, CancellationToken.None);
        Assert.Equal(509, stored.Count);
        Assert.Equal(results.Select((r, i) => (r, i)).Where(x => x.r.Succeeded).Select(x => (x.r.Address!.Value, $"owner-{x.i}")).ToHashSet(), stored.ToHashSet());

        // Idempotent per owner, from any allocator; a release on one is seen by another after it reloads.
        var first = results.Select((r, i) => (r, i)).First(x => x.r.Succeeded);
        Assert.Equal(first.r.Address, (await allocators[3].AllocateAsync(client, pool, $"owner-{first.i}", CancellationToken.None)).Address);
        await allocators[(first.i + 1) % 4].ReleaseAsync(client, pool, $"owner-{first.i}", CancellationToken.None);
        var late = await allocators[2].AllocateAsync(client, pool, "late", CancellationToken.None);
        Assert.Equal(first.r.Address, late.Address);
    }

    [Fact]
    public async Task Repair_releases_leaks_and_restores_addresses_interfaces_hold()
    {
        var client = fixture.Root.ForCluster("project:repair-test");
        var pool = new AddressPool("repair-" + Guid.NewGuid().ToString("N")[..8], Cidr.Parse("10.10.0.0/24"));
        var before = new AddressBlockAllocator();
        foreach (var owner in new[] { "live", "dead", "retained" }) Assert.True((await before.AllocateAsync(client, pool, owner, CancellationToken.None)).Succeeded);
        var stored = (await before.ReadAsync(client, pool, CancellationToken.None)).ToDictionary(s => s.Owner, s => s.Address);
        Assert.True(Cidr.TryParseAddress("10.10.0.200", out var lost, out _));

        // A new process: "live" still has its claim, "retained" only an interface, "dead" neither (leaked);
        // "orphan" is held by an interface but missing from the blocks.
        var after = new AddressBlockAllocator();
        var report = await after.RepairAsync(client, pool, _ => Task.FromResult<(IReadOnlySet<string>, IReadOnlyCollection<(UInt128, string)>)>(
            (new HashSet<string> { "live" }, [(stored["retained"], "retained"), (lost, "orphan")])), CancellationToken.None);
        Assert.Equal(new RepairReport(Released: 1, Restored: 1, Conflicts: 0), report);
        var now = (await after.ReadAsync(client, pool, CancellationToken.None)).ToHashSet();
        Assert.Equal(new HashSet<(UInt128, string)> { (stored["live"], "live"), (stored["retained"], "retained"), (lost, "orphan") }, now);
        // The leaked address is free again (lowest free), the restored one is not handed out.
        Assert.Equal(stored["dead"], (await after.AllocateAsync(client, pool, "new", CancellationToken.None)).Address);
    }

    private static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var n) ? n : fallback;

    private void Report(AllocationBench.Result r, string where)
    {
        var calm = r.Elapsed - r.Disrupted;
        output.WriteLine($"{where}: {r.Allocations} allocations in {r.Elapsed.TotalSeconds:F2} s = {r.Allocations / r.Elapsed.TotalSeconds:F0}/s (each also released later); " +
                         $"outside the {r.Disrupted.TotalSeconds:F1} s of kills, restarts and verifications: {r.Allocations / calm.TotalSeconds:F0}/s; " +
                         $"p50 {r.P50:F2} ms, p99 {r.P99:F2} ms, p99 outside outages {r.P99Calm:F2} ms; {r.OperationsPerWrite:F1} operations per block write; CPU of this process {r.Cpu.TotalMilliseconds / r.Allocations:F2} ms per allocation; duplicates {r.Duplicates}; " +
                         $"{r.Verifications} verifications of the stored blocks: {r.Leaks} leaked, {r.Lost} lost; {r.Failures} failed requests retried");
    }

    /// <summary>
    /// docs/benchmarks.md "IPAM: address allocations", small version (in process, in ./test.sh): 64 allocators with
    /// churn on one /16 through the block allocator. DATUM_IPAM_BENCH_ALLOCATIONS scales it (default 5,000). Timings are
    /// printed, never asserted.
    /// </summary>
    [Fact]
    public async Task Benchmark_address_allocations_have_no_duplicates()
    {
        var client = fixture.Root.ForCluster("project:bench");
        var bench = new AllocationBench(() => client, new AddressPool("bench-" + Guid.NewGuid().ToString("N")[..8], Cidr.Parse("10.64.0.0/16")))
        {
            Total = Env("DATUM_IPAM_BENCH_ALLOCATIONS", 5_000),
        };
        var result = await bench.RunAsync();
        Report(result, "in process");
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Leaks);
        Assert.Equal(0, result.Lost);
    }

    /// <summary>
    /// The full version (opt-in, DATUM_IPAM_BENCH_KILL=1): a child <c>datum server</c> over HTTPS, killed with SIGKILL
    /// and restarted DATUM_IPAM_BENCH_KILLS times (default 5) while 64 allocators run; after each restart the stored
    /// blocks are verified against what the allocators were told. DATUM_IPAM_BENCH_ALLOCATIONS (default 1,000,000).
    /// </summary>
    [Fact]
    public async Task Benchmark_address_allocations_across_kill_9_of_the_server()
    {
        if (Environment.GetEnvironmentVariable("DATUM_IPAM_BENCH_KILL") != "1")
        {
            output.WriteLine("skipped: set DATUM_IPAM_BENCH_KILL=1");
            return;
        }
        await using var server = await Datum.Testing.DatumProcess.StartAsync("server");
        var client = new Datum.Runtime.Client.KubeClient(Datum.Runtime.Client.HttpApiTransport.FromKubeconfig(server.KubeconfigPath));
        var kills = Env("DATUM_IPAM_BENCH_KILLS", 5);
        var bench = new AllocationBench(() => client, new AddressPool("bench-kill", Cidr.Parse("10.64.0.0/16")))
        {
            Total = Env("DATUM_IPAM_BENCH_ALLOCATIONS", 1_000_000),
            Disruptions = kills,
            Disrupt = async () =>
            {
                server.Kill();
                await server.RestartAsync();
            },
            Log = output.WriteLine,
        };
        var result = await bench.RunAsync();
        Report(result, $"child server over HTTPS, {kills} kill -9 cycles");
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Leaks);
        Assert.Equal(0, result.Lost);
        Assert.Equal(kills + 1, result.Verifications);
    }
}

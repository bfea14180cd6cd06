using System.Collections.Concurrent;
using System.Diagnostics;
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

    /// <summary>
    /// The benchmark of docs/benchmarks.md: address allocations through the API store (one create-if-absent per
    /// address), 64 at a time, released and reallocated so the pool is reused; counts duplicates. Timings are printed,
    /// never asserted. DATUM_IPAM_BENCH_ALLOCATIONS scales it (default 5,000).
    /// </summary>
    private static long s_allocTicks;
    private static long s_releaseTicks;

    [Fact]
    public async Task Benchmark_address_allocations_have_no_duplicates()
    {
        var total = int.TryParse(Environment.GetEnvironmentVariable("DATUM_IPAM_BENCH_ALLOCATIONS"), out var n) ? n : 5_000;
        var client = fixture.Root.ForCluster("project:bench");
        var subnet = Cidr.Parse("10.64.0.0/16");
        var live = new ConcurrentDictionary<Cidr, string>();
        var latencies = new ConcurrentBag<double>();
        var duplicates = 0;
        var issued = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(worker => Task.Run(async () =>
        {
            var mine = new Queue<Cidr>();
            while (Interlocked.Increment(ref issued) <= total)
            {
                var owner = $"w{worker}-{Guid.NewGuid():N}";
                var start = Stopwatch.GetTimestamp();
                var result = await PrefixRecords.ClaimAsync(client, "addr.bench", subnet, 32, new AllocationOwner { Uid = owner }, reserveEnds: true);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Interlocked.Add(ref s_allocTicks, Stopwatch.GetTimestamp() - start);
                Assert.True(result.Succeeded, result.Message);
                if (!live.TryAdd(result.Prefix!.Value, owner)) Interlocked.Increment(ref duplicates);
                mine.Enqueue(result.Prefix.Value);
                if (mine.Count > 64)
                {
                    // Release the oldest: the address may be handed out again, but never while held.
                    var old = mine.Dequeue();
                    live.TryRemove(old, out var holder);
                    var r0 = Stopwatch.GetTimestamp();
                    await PrefixRecords.ReleaseAsync(client, "addr.bench", old, holder!, CancellationToken.None);
                    Interlocked.Add(ref s_releaseTicks, Stopwatch.GetTimestamp() - r0);
                }
            }
        })));
        clock.Stop();
        var sorted = latencies.OrderBy(x => x).ToArray();
        output.WriteLine($"alloc time {Stopwatch.GetElapsedTime(0, s_allocTicks).TotalSeconds:F1} s, release time {Stopwatch.GetElapsedTime(0, s_releaseTicks).TotalSeconds:F1} s (summed over workers)");
        output.WriteLine($"{total} allocations in {clock.Elapsed.TotalSeconds:F2} s = {total / clock.Elapsed.TotalSeconds:F0}/s (including releases); " +
                         $"p50 {sorted[sorted.Length / 2]:F2} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F2} ms; duplicates {duplicates}");
        Assert.Equal(0, duplicates);
    }
}

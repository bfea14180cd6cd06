using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Runtime.Informers;
using Xunit.Abstractions;

namespace Datum.Compute.Tests;

/// <summary>
/// docs/benchmarks.md: W Workloads × 2 placements × R replicas from apply to Ready with zero provider latency, in one
/// process (server + controllers + simulated provider). Runs only with DATUM_COMPUTE_BENCH=1; sizes from
/// DATUM_COMPUTE_BENCH_WORKLOADS (100) and DATUM_COMPUTE_BENCH_REPLICAS (50). Reports, never asserts, timings.
/// </summary>
public sealed class BenchmarkTests(ITestOutputHelper output)
{
    private const int InstancesPerNetworkAndCity = 2_000;

    private static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) && v > 0 ? v : fallback;

    [Fact]
    public async Task Workloads_to_Ready_instances()
    {
        if (Environment.GetEnvironmentVariable("DATUM_COMPUTE_BENCH") != "1")
        {
            output.WriteLine("skipped: set DATUM_COMPUTE_BENCH=1");
            return;
        }
        var workloads = Env("DATUM_COMPUTE_BENCH_WORKLOADS", 100);
        var replicas = Env("DATUM_COMPUTE_BENCH_REPLICAS", 50);
        var total = workloads * 2 * replicas;
        var fixture = new ComputeFixture(TimeSpan.Zero);
        await fixture.InitializeAsync();
        try
        {
            // A server that has been running has compiled its hot paths: a warm-up round (its own namespace and
            // network, deleted before the timed run, then a wait for the JIT to go quiet) keeps most of the JIT's work
            // (tiering up thousands of methods) out of the figures; the JIT's share of the timed run is printed.
            // DATUM_COMPUTE_BENCH_WARMUP sets the warm-up's replicas per placement (50, i.e. 2,000 instances: with 25
            // the timed run still compiled ~2,000 methods, 2-3 s of CPU; 0 measures a cold process).
            var warmUpReplicas = Environment.GetEnvironmentVariable("DATUM_COMPUTE_BENCH_WARMUP") == "0" ? 0 : Env("DATUM_COMPUTE_BENCH_WARMUP", 50);
            if (warmUpReplicas > 0)
            {
                var warm = Stopwatch.StartNew();
                var jitBefore = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
                await WarmUpAsync(fixture, warmUpReplicas);
                await JitSettledAsync();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warm-up: 20 workloads x 2 x {warmUpReplicas} replicas created, Ready and deleted in {warm.Elapsed.TotalSeconds:F1} s; JIT {System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore.Item1} methods, {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore.Item2).TotalSeconds:F1} s"));
            }
            var ns = await fixture.NamespaceAsync("bench");
            // Every instance gets an address from its network's subnet for interfaces in the Location, an IPv4 /20
            // (4,093 usable addresses): 5,000 instances per city need more than one network.
            var networks = Math.Max(1, (workloads * replicas + InstancesPerNetworkAndCity - 1) / InstancesPerNetworkAndCity);
            for (var n = 0; n < networks; n++) await fixture.NetworkAsync(ns, $"net-{n}");
            var clock = Stopwatch.StartNew();
            var created = new ConcurrentDictionary<string, TimeSpan>();
            var ready = new ConcurrentDictionary<string, TimeSpan>();
            var informer = new Informer<InstanceObject>(fixture.Client.Resource<InstanceObject>());
            using var handler = informer.AddHandler(new ResourceEventHandler<InstanceObject>(
                onAdd: i => { created.TryAdd(i.Metadata.Name!, clock.Elapsed); if (IsReady(i)) ready.TryAdd(i.Metadata.Name!, clock.Elapsed); },
                onUpdate: (_, i) => { if (IsReady(i)) ready.TryAdd(i.Metadata.Name!, clock.Elapsed); },
                onDelete: _ => { }));
            using var stop = new CancellationTokenSource();
            var run = Task.Run(() => informer.RunAsync(stop.Token));
            await informer.WaitForSyncAsync(CancellationToken.None);
            clock.Restart();
            fixture.Requests.Reset();
            // CPU and allocations tell the cost of the run apart from what other processes on the machine take.
            var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedAtStart = GC.GetTotalAllocatedBytes();
            var gcsAtStart = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var pauseAtStart = GC.GetTotalPauseDuration();
            var jitAtStart = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
            var api = fixture.Client.Resource<WorkloadObject>();
            await Parallel.ForEachAsync(Enumerable.Range(0, workloads), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                var workload = ComputeFixture.Workload(ns, $"w{i}", replicas, ("a", ["DFW"]), ("b", ["LHR"]));
                workload.Spec.Template.Spec.NetworkInterfaces[0].Network.Name = $"net-{i % networks}";
                await api.CreateAsync(workload, ct: ct);
            });
            var applied = clock.Elapsed;
            long peak = 0;
            while (ready.Count < total)
            {
                peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
                if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"{ready.Count}/{total} ready after 30 minutes");
                await Task.Delay(200);
            }
            var allReady = clock.Elapsed;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedAtStart;
            var gcs = (GC.CollectionCount(0) - gcsAtStart.Item1, GC.CollectionCount(1) - gcsAtStart.Item2, GC.CollectionCount(2) - gcsAtStart.Item3);
            var paused = GC.GetTotalPauseDuration() - pauseAtStart;
            var jit = (System.Runtime.JitInfo.GetCompiledMethodCount() - jitAtStart.Item1, System.Runtime.JitInfo.GetCompilationTime() - jitAtStart.Item2);
            peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
            var latencies = ready.Select(r => (r.Value - created[r.Key]).TotalMilliseconds).Order().ToList();
            double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
            // Instance 0 of a deployment waits for its networks (binding, context, subnet); the rest is the OrderedReady chain.
            var firsts = ready.Where(r => r.Key.EndsWith("-0", StringComparison.Ordinal)).Select(r => r.Value.TotalSeconds).Order().ToList();
            var slowest = string.Join(", ", ready.OrderByDescending(r => r.Value - created[r.Key]).Take(3)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {(r.Value - created[r.Key]).TotalMilliseconds:F0} ms")));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"instance 0 of each deployment Ready (networks provisioned) after p50 {firsts[firsts.Count / 2]:F1} s, last {firsts[^1]:F1} s; slowest create->Ready: {slowest}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{workloads} workloads x 2 placements x {replicas} replicas = {total} instances; applied in {applied.TotalSeconds:F1} s; all Ready after {allReady.TotalSeconds:F1} s; " +
                $"create->Ready p50 {P(0.5):F0} ms, p99 {P(0.99):F0} ms; peak RSS {peak / (1024 * 1024)} MiB; {total / allReady.TotalSeconds:F0} instances/s"));
            // Per instance: which kinds cost the reads and writes (the informers' lists and watches are not counted).
            output.WriteLine("requests per instance: " + string.Join(", ", fixture.Requests.Counts.Where(c => c.Value >= total / 20).OrderByDescending(c => c.Value)
                .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {(double)c.Value / total:F2}"))));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"writes per instance: {(double)fixture.Requests.Counts.Where(c => !c.Key.EndsWith(" Get", StringComparison.Ordinal) && !c.Key.EndsWith(" List", StringComparison.Ordinal) && !c.Key.EndsWith(" conflict", StringComparison.Ordinal)).Sum(c => c.Value) / total:F2}, " +
                $"reads per instance: {(double)fixture.Requests.Counts.Where(c => c.Key.EndsWith(" Get", StringComparison.Ordinal) || c.Key.EndsWith(" List", StringComparison.Ordinal)).Sum(c => c.Value) / total:F2}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"process CPU {cpu.TotalSeconds:F1} s ({cpu.TotalMilliseconds / total:F1} ms/instance); allocated {allocated / (1024.0 * 1024 * 1024):F2} GiB ({allocated / total / 1024} KiB/instance); GCs gen0 {gcs.Item1}, gen1 {gcs.Item2}, gen2 {gcs.Item3}, paused {paused.TotalSeconds:F1} s ({(GCSettings.IsServerGC ? "server" : "workstation")}{(Environment.GetEnvironmentVariable("DOTNET_gcConcurrent") == "0" ? ", not concurrent" : "")}); JIT {jit.Item1} methods, {jit.Item2.TotalSeconds:F1} s"));
            // Where the controllers' time went: reconciles, their outcomes and mean duration (a reconcile waits for its writes' commits).
            foreach (var line in ReconcileSummary(fixture.Manager.Metrics.Registry.Render())) output.WriteLine(line);
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits (at most 30 s) until no method has been compiled for 2 s: the tiered JIT promotes the methods the warm-up
    /// made hot on a background thread after a delay, and that work belongs to the warm-up, not to the timed run.
    /// </summary>
    private static async Task JitSettledAsync()
    {
        var deadline = Stopwatch.StartNew();
        var count = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < TimeSpan.FromSeconds(2) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != count) quiet.Restart();
            count = now;
        }
    }

    private static async Task WarmUpAsync(ComputeFixture fixture, int replicas)
    {
        var ns = await fixture.NamespaceAsync("warmup");
        await fixture.NetworkAsync(ns, "net-0");
        var api = fixture.Client.Resource<WorkloadObject>();
        for (var i = 0; i < 20; i++)
        {
            var workload = ComputeFixture.Workload(ns, $"w{i}", replicas, ("a", ["DFW"]), ("b", ["LHR"]));
            workload.Spec.Template.Spec.NetworkInterfaces[0].Network.Name = "net-0";
            await api.CreateAsync(workload);
        }
        var deadline = Stopwatch.StartNew();
        while ((await fixture.ListAsync<InstanceObject>(ns)).Count(IsReady) < 40 * replicas)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("warm-up instances not Ready after 5 minutes");
            await Task.Delay(200);
        }
        for (var i = 0; i < 20; i++) await api.DeleteAsync(ns, $"w{i}");
        while ((await fixture.ListAsync<WorkloadObject>(ns)).Count > 0 || (await fixture.ListAsync<InstanceObject>(ns)).Count > 0)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("warm-up workloads not gone after 10 minutes");
            await Task.Delay(200);
        }
    }

    private static IEnumerable<string> ReconcileSummary(string metrics)
    {
        var totals = new Dictionary<string, Dictionary<string, double>>();
        foreach (var line in metrics.Split('\n'))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, "^datum_controller_reconcile_(total|time_seconds_sum|time_seconds_count)\\{controller=\"([^\"]+)\"(?:,result=\"([^\"]+)\")?\\} (\\S+)$");
            if (!m.Success) continue;
            var c = totals.TryGetValue(m.Groups[2].Value, out var d) ? d : totals[m.Groups[2].Value] = [];
            var key = m.Groups[1].Value == "total" ? m.Groups[3].Value : m.Groups[1].Value;
            c[key] = c.GetValueOrDefault(key) + double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
        }
        foreach (var (controller, c) in totals.OrderByDescending(t => t.Value.GetValueOrDefault("time_seconds_sum")))
        {
            var count = c.GetValueOrDefault("time_seconds_count");
            yield return string.Create(CultureInfo.InvariantCulture, $"  {controller}: {count} reconciles, mean {1000 * c.GetValueOrDefault("time_seconds_sum") / Math.Max(1, count):F2} ms; ") +
                string.Join(", ", c.Where(k => !k.Key.StartsWith("time", StringComparison.Ordinal)).Select(k => $"{k.Key} {k.Value}"));
        }
    }

    private static bool IsReady(InstanceObject i) => ComputeFixture.ConditionIs(i.Status, ComputeConditions.Ready, "True");
}

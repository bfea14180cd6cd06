using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.InProcess;
using Datum.Runtime.Reconcile;
using Datum.Server.Hosting;

namespace Datum.Bench.Scenarios;

/// <summary>
/// <c>datum-bench controller-resync</c>: the controller runtime under a full resync. Fills N ConfigMaps, runs one
/// controller with a no-op reconciler (reads the object from the cache), then resyncs every object (low priority)
/// and, while that runs, creates new objects and measures how long each takes to be reconciled (high priority).
/// By default against an in-process server (the <c>datum up</c> layout); with --kubeconfig against any server over HTTPS.
/// </summary>
internal static class ControllerResyncScenario
{
    public static Command CreateCommand()
    {
        var objects = new Option<int>("--objects") { Description = "ConfigMaps to resync", DefaultValueFactory = _ => 100_000 };
        var workers = new Option<int>("--workers") { Description = "MaxConcurrentReconciles", DefaultValueFactory = _ => 4 };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Run against this server over HTTPS instead of an in-process one" };
        var workMs = new Option<int>("--work-ms") { Description = "Simulated work per reconcile in ms (0 = no-op), to make the resync long enough to probe", DefaultValueFactory = _ => 0 };
        var command = new Command("controller-resync", "Controller runtime: no-op resync throughput and new-object latency during the resync") { objects, workers, kubeconfig, workMs };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(objects), parse.GetValue(workers), parse.GetValue(kubeconfig), parse.GetValue(workMs), ct));
        return command;
    }

    private static async Task<int> RunAsync(int count, int workers, string? kubeconfig, int workMs, CancellationToken ct)
    {
        DatumServer? server = null;
        string? dataDir = null;
        IApiTransport transport;
        if (kubeconfig is null)
        {
            dataDir = Directory.CreateTempSubdirectory("datum-bench-resync-").FullName;
            server = await DatumServer.StartAsync(new DatumServerOptions { DataDirectory = dataDir, SecurePort = 0 }, ct);
            transport = new InProcessTransport(server.Resources, server.Catalog);
        }
        else
        {
            transport = HttpApiTransport.FromKubeconfig(kubeconfig);
        }
        try
        {
            var client = new KubeClient(transport);
            var ns = "bench-resync";
            if (await client.Resource<Namespace>().TryGetAsync(null, ns, ct) is null)
            {
                await client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new() { Name = ns } }, ct: ct);
            }
            var configMaps = client.Resource<ConfigMap>();
            var fill = Stopwatch.StartNew();
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) <= count)
                {
                    try
                    {
                        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = $"cm-{i}", Namespace = ns }, Data = new() { ["i"] = i.ToString(CultureInfo.InvariantCulture) } }, ct: ct);
                    }
                    catch (ApiStatusException e) when (e.IsAlreadyExists)
                    {
                    }
                }
            }, ct)));
            Console.WriteLine($"filled {count:N0} ConfigMaps in {fill.Elapsed.TotalSeconds:F1} s");

            var reconciler = new NoOpReconciler { Work = TimeSpan.FromMilliseconds(workMs) };
            var manager = new Manager(client);
            reconciler.Manager = manager;
            var controller = manager.NewController().For<ConfigMap>().Named("noop")
                .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers }).Complete(reconciler);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var start = Stopwatch.StartNew();
            var running = manager.RunAsync(stop.Token);
            await manager.WaitForReadyAsync(ct);
            var synced = start.Elapsed;
            while (reconciler.Count < count) await Task.Delay(50, ct);
            var initial = start.Elapsed - synced;
            Console.WriteLine($"cache synced in {synced.TotalSeconds:F1} s; initial pass of {reconciler.Count:N0} reconciles in {initial.TotalSeconds:F1} s");

            var baseline = reconciler.Count;
            var resync = Stopwatch.StartNew();
            controller.Resync();
            var latencies = new List<double>();
            var probe = 0;
            while (reconciler.Count - baseline - probe < count)
            {
                if (probe > 0) await Task.Delay(20, ct);
                var name = $"fresh-{probe++}";
                var sent = Stopwatch.GetTimestamp();
                await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = name, Namespace = ns } }, ct: ct);
                var seen = await reconciler.WaitForAsync(name, TimeSpan.FromSeconds(30));
                latencies.Add(Stopwatch.GetElapsedTime(sent, seen).TotalMilliseconds);
            }
            var elapsed = resync.Elapsed;
            var resynced = reconciler.Count - baseline - latencies.Count;
            var rate = resynced / elapsed.TotalSeconds;
            latencies.Sort();
            Console.WriteLine($"resync: {resynced:N0} {(workMs > 0 ? $"{workMs} ms" : "no-op")} reconciles in {elapsed.TotalSeconds:F2} s = {rate:N0} reconciles/s ({workers} workers)");
            if (latencies.Count > 0)
            {
                Console.WriteLine($"new objects during the resync: {latencies.Count} probes, create→reconcile p50 {latencies[latencies.Count / 2]:F1} ms, max {latencies[^1]:F1} ms");
            }
            Console.WriteLine($"targets: ≥ 1,700 reconciles/s: {(rate >= 1700 ? "met" : "NOT met")}; new object within 1 s: {(latencies.Count > 0 && latencies[^1] <= 1000 ? "met" : "NOT met")}");
            await stop.CancelAsync();
            await running;
            return 0;
        }
        finally
        {
            await transport.DisposeAsync();
            if (server is not null) await server.DisposeAsync();
            if (dataDir is not null) Directory.Delete(dataDir, recursive: true);
        }
    }

    private sealed class NoOpReconciler : IReconciler
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _fresh = new();
        private long _count;

        public Manager Manager { get; set; } = null!;

        public long Count => Interlocked.Read(ref _count);

        public TimeSpan Work { get; init; }

        public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
        {
            if (Work > TimeSpan.Zero) await Task.Delay(Work, ct);
            _ = Manager.GetCluster(request.Cluster).Informers.For<ConfigMap>().Cache.Get(request.Namespace, request.Name);
            if (request.Name.StartsWith("fresh-", StringComparison.Ordinal))
            {
                _fresh.GetOrAdd(request.Name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(Stopwatch.GetTimestamp());
            }
            Interlocked.Increment(ref _count);
            return ReconcileResult.Done;
        }

        public Task<long> WaitForAsync(string name, TimeSpan timeout) =>
            _fresh.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(timeout);
    }
}

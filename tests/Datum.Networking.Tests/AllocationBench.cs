using System.Collections.Concurrent;
using System.Diagnostics;
using Datum.Networking.Ipam;
using Datum.Runtime.Client;

namespace Datum.Networking.Tests;

/// <summary>
/// The IPAM address benchmark (docs/benchmarks.md, scenario S10): <see cref="Workers"/> allocators on one /16 through
/// an <see cref="AddressBlockAllocator"/>, each holding at most <see cref="Hold"/> addresses and releasing its oldest
/// beyond that (churn). Every acknowledged allocation is checked against the addresses held at that moment
/// (a duplicate is an address acknowledged to two owners at once). An optional <see cref="Disrupt"/> runs
/// <see cref="Disruptions"/> times while the allocators run (kill -9 and restart of the server); each time, once the
/// server is back, the allocators are paused and the stored blocks are compared with what the allocators were told:
/// every held address stored with its owner, nothing else stored (no leak), no address twice.
/// </summary>
internal sealed class AllocationBench(Func<KubeClient> client, AddressPool pool)
{
    public int Total { get; init; } = 5_000;

    public int Workers { get; init; } = 64;

    public int Hold { get; init; } = 64;

    public int Disruptions { get; init; }

    public Func<Task>? Disrupt { get; init; }

    public Action<string>? Log { get; init; }

    public sealed record Result(int Allocations, TimeSpan Elapsed, TimeSpan Disrupted, double P50, double P99, double P99Calm, double OperationsPerWrite, TimeSpan Cpu, int Duplicates, int Failures, int Verifications, int Leaks, int Lost);

    public async Task<Result> RunAsync()
    {
        var allocator = new AddressBlockAllocator();
        var live = new ConcurrentDictionary<UInt128, string>();
        var latencies = new double[Total];
        var disturbed = new bool[Total];
        var duplicates = 0;
        var failures = 0;
        var issued = -1;
        var epoch = 0; // bumped while the server is down: latencies measured across an outage are not "calm"
        var gate = new PauseGate();
        var verifications = 0;
        var disrupted = TimeSpan.Zero;
        var leaks = 0;
        var lost = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var mine = new Queue<(UInt128 Address, string Owner)>();
            while (true)
            {
                var i = Interlocked.Increment(ref issued);
                if (i >= Total) break;
                await gate.EnterAsync();
                try
                {
                    var owner = $"w{worker}-{i}";
                    var before = Volatile.Read(ref epoch);
                    var start = Stopwatch.GetTimestamp();
                    var result = await RetryAsync(() => allocator.AllocateAsync(client(), pool, owner, CancellationToken.None), () => Interlocked.Increment(ref failures));
                    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    disturbed[i] = before != Volatile.Read(ref epoch) || (before & 1) == 1;
                    if (!result.Succeeded) throw new InvalidOperationException(result.Message);
                    if (!live.TryAdd(result.Address!.Value, owner)) Interlocked.Increment(ref duplicates);
                    mine.Enqueue((result.Address.Value, owner));
                    if (mine.Count > Hold)
                    {
                        // Release the oldest: the address may be handed out again, but never while held.
                        // Forgotten first: once the release is durable another allocator may get the address at once.
                        var (address, holder) = mine.Dequeue();
                        live.TryRemove(new KeyValuePair<UInt128, string>(address, holder));
                        await RetryAsync(async () => { await allocator.ReleaseAsync(client(), pool, holder, CancellationToken.None); return true; }, () => Interlocked.Increment(ref failures));
                    }
                }
                finally
                {
                    gate.Exit();
                }
            }
        })).ToList();

        if (Disrupt is not null && Disruptions > 0)
        {
            for (var d = 1; d <= Disruptions; d++)
            {
                // Spread the disruptions over the run.
                while (Volatile.Read(ref issued) < (long)Total * d / (Disruptions + 1) && !workers.All(w => w.IsCompleted)) await Task.Delay(20);
                if (workers.All(w => w.IsCompleted)) break;
                var outage = Stopwatch.StartNew();
                Interlocked.Increment(ref epoch);
                await Disrupt();
                Interlocked.Increment(ref epoch);
                await gate.PauseAsync();
                try
                {
                    var (leaked, missing, twice) = await VerifyAsync(live);
                    verifications++;
                    leaks += leaked;
                    lost += missing;
                    duplicates += twice;
                    Log?.Invoke($"disruption {d}: after {Volatile.Read(ref issued)} allocations, {live.Count} held; stored blocks: {leaked} leaked, {missing} lost, {twice} twice");
                }
                finally
                {
                    gate.Resume();
                    disrupted += outage.Elapsed;
                }
            }
        }
        await Task.WhenAll(workers);
        clock.Stop();
        var (l, m, t) = await VerifyAsync(live);
        verifications++;
        leaks += l;
        lost += m;
        duplicates += t;
        var sorted = latencies.Order().ToArray();
        var calm = latencies.Where((_, i) => !disturbed[i]).Order().ToArray();
        return new Result(Total, clock.Elapsed, disrupted, sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)], calm.Length == 0 ? 0 : calm[(int)(calm.Length * 0.99)], allocator.Operations / (double)Math.Max(1, allocator.Writes), Process.GetCurrentProcess().TotalProcessorTime - cpu,
            duplicates, failures, verifications, leaks, lost);
    }

    // Compares the stored blocks with what the allocators were told (allocators paused).
    private async Task<(int Leaked, int Lost, int Twice)> VerifyAsync(ConcurrentDictionary<UInt128, string> live)
    {
        var stored = await RetryAsync(() => new AddressBlockAllocator().ReadAsync(client(), pool, CancellationToken.None), () => { });
        var twice = stored.GroupBy(s => s.Address).Count(g => g.Count() > 1);
        var byAddress = stored.GroupBy(s => s.Address).ToDictionary(g => g.Key, g => g.First().Owner);
        var leaked = byAddress.Count(s => !live.TryGetValue(s.Key, out var o) || o != s.Value);
        var missing = live.Count(h => !byAddress.TryGetValue(h.Key, out var o) || o != h.Value);
        return (leaked, missing, twice);
    }

    // The server may be down (killed): retry the same request (allocation is keyed by owner, so a retry after an
    // ambiguous failure gets the address that may already have been written).
    private static async Task<T> RetryAsync<T>(Func<Task<T>> action, Action failed)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (attempt < 600 && e is HttpRequestException or IOException or TaskCanceledException or ApiStatusException { Code: >= 500 } or TimeoutException)
            {
                failed();
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Lets the runner stop the workers between operations.</summary>
    private sealed class PauseGate
    {
        private readonly object _lock = new();
        private TaskCompletionSource _resumed = CompletedSource();
        private TaskCompletionSource _idle = CompletedSource();
        private int _active;

        private static TaskCompletionSource CompletedSource()
        {
            var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            t.SetResult();
            return t;
        }

        public async Task EnterAsync()
        {
            while (true)
            {
                Task wait;
                lock (_lock)
                {
                    if (_resumed.Task.IsCompleted)
                    {
                        if (_active++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        return;
                    }
                    wait = _resumed.Task;
                }
                await wait;
            }
        }

        public void Exit()
        {
            lock (_lock)
            {
                if (--_active == 0) _idle.TrySetResult();
            }
        }

        public Task PauseAsync()
        {
            lock (_lock)
            {
                _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _active == 0 ? Task.CompletedTask : _idle.Task;
            }
        }

        public void Resume()
        {
            lock (_lock) _resumed.TrySetResult();
        }
    }
}

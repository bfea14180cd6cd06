using System.Collections.Concurrent;
using System.Diagnostics;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Leader;
using Datum.Runtime.Reconcile;
using Xunit.Abstractions;

namespace Datum.Runtime.Tests;

/// <summary>Two managers with the timings (15 s lease, 10 s renew deadline, 2 s retry) against one server.</summary>
public sealed class LeaderElectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private sealed class Candidate : IAsyncDisposable
    {
        public required string Name { get; init; }
        public required PartitionableTransport Transport { get; init; }
        public required Manager Manager { get; init; }
        public required CancellationTokenSource Stop { get; init; }
        public required Task Running { get; set; }
        public ConcurrentQueue<TimeSpan> ReconcileStarts { get; } = new();
        public TimeSpan? BecameLeader { get; set; }
        public TimeSpan? LostLeadership { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            await Running.WaitAsync(TimeSpan.FromSeconds(60));
            Stop.Dispose();
        }
    }

    private Candidate Start(string name, string lease)
    {
        var transport = new PartitionableTransport(_server.Http);
        var manager = new Manager(new KubeClient(transport), new ManagerOptions
        {
            LeaderElection = new LeaderElectionOptions { Name = lease, Identity = name },
        });
        Candidate? candidate = null;
        manager.NewController().For<ConfigMap>(EventFilters.Where(o => o.Metadata.Name == "tick")).Named("ticker")
            .Complete(new TickReconciler(() => candidate!.ReconcileStarts.Enqueue(Clock.Elapsed)));
        manager.Elector!.LeadershipChanged += leading =>
        {
            if (leading) candidate!.BecameLeader ??= Clock.Elapsed;
            else candidate!.LostLeadership ??= Clock.Elapsed;
        };
        var stop = new CancellationTokenSource();
        candidate = new Candidate { Name = name, Transport = transport, Manager = manager, Stop = stop, Running = Task.CompletedTask };
        candidate.Running = manager.RunAsync(stop.Token);
        return candidate;
    }

    [Fact]
    public async Task Exactly_one_reconciles_and_a_dead_leader_is_replaced_within_17_s_without_overlap()
    {
        await new KubeClient(_server.InProcess).Resource<ConfigMap>().CreateAsync(new ConfigMap { Metadata = new() { Name = "tick", Namespace = "default" } });
        await using var a = Start("a", "partition-test");
        await Eventually.TrueAsync(() => a.Manager.IsLeader && !a.ReconcileStarts.IsEmpty, "a leads and reconciles");
        await using var b = Start("b", "partition-test");
        await b.Manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.True(a.Manager.IsLeader);
        Assert.False(b.Manager.IsLeader);
        Assert.Empty(b.ReconcileStarts);

        // a stops renewing (its network is gone); it keeps reconciling from its cache until its renew deadline.
        var cut = Clock.Elapsed;
        a.Transport.Partitioned = true;
        await Eventually.TrueAsync(() => b.BecameLeader is not null && !b.ReconcileStarts.IsEmpty, "b takes over", timeoutSeconds: 90);
        var handover = b.BecameLeader!.Value - cut;
        var aStopped = a.LostLeadership!.Value - cut;
        var aLast = a.ReconcileStarts.Max() - cut;
        output.WriteLine($"leader cut off: a stopped leading after {aStopped.TotalSeconds:F2} s (last reconcile started at {aLast.TotalSeconds:F2} s); b led after {handover.TotalSeconds:F2} s");
        Assert.True(handover <= TimeSpan.FromSeconds(17), $"handover took {handover}");
        Assert.True(a.LostLeadership < b.BecameLeader, "the deposed leader stopped before the new one started");
        Assert.True(a.ReconcileStarts.Max() < b.BecameLeader, "no reconcile ran in the deposed leader after the new leader started");
        Assert.True(a.ReconcileStarts.Max() <= a.LostLeadership, "no reconcile started in the deposed leader after it lost the lease");
    }

    [Fact]
    public async Task A_graceful_stop_releases_the_lease_and_hands_over_within_5_s()
    {
        await new KubeClient(_server.InProcess).Resource<ConfigMap>().CreateAsync(new ConfigMap { Metadata = new() { Name = "tick", Namespace = "default" } });
        var a = Start("a", "graceful-test");
        await Eventually.TrueAsync(() => a.Manager.IsLeader && !a.ReconcileStarts.IsEmpty, "a leads");
        await using var b = Start("b", "graceful-test");
        await b.Manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var stopping = Clock.Elapsed;
        await a.DisposeAsync();
        var stopped = Clock.Elapsed;
        await Eventually.TrueAsync(() => b.BecameLeader is not null, "b takes over", timeoutSeconds: 60);
        var handover = b.BecameLeader!.Value - stopped;
        output.WriteLine($"graceful stop took {(stopped - stopping).TotalSeconds:F2} s; b led {handover.TotalSeconds:F2} s after a released the lease");
        Assert.True(handover <= TimeSpan.FromSeconds(5), $"handover took {handover}");
        Assert.True(a.ReconcileStarts.Max() < b.BecameLeader);
        var lease = await new KubeClient(_server.InProcess).Resource<Lease>().GetAsync("kube-system", "graceful-test");
        await Eventually.TrueAsync(async () => (await new KubeClient(_server.InProcess).Resource<Lease>().GetAsync("kube-system", "graceful-test")).Spec.HolderIdentity == "b", "lease held by b");
        Assert.NotNull(lease);
    }

    private sealed class TickReconciler(Action record) : IReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
        {
            record();
            return Task.FromResult(ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(100)));
        }
    }
}

using System.Collections.Concurrent;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Provider;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Informers;
using Xunit.Abstractions;

namespace Datum.Compute.Tests;

/// <summary>Acceptance of the compute controllers with the simulated provider (in process, platform plane).</summary>
[Collection("compute")]
public sealed class WorkloadTests(ComputeFixture fixture, ITestOutputHelper output)
{
    private ResourceClient<WorkloadObject> Workloads => fixture.Client.Resource<WorkloadObject>();

    private async Task<IReadOnlyList<InstanceObject>> InstancesAsync(string ns) => await fixture.ListAsync<InstanceObject>(ns);

    private async Task WaitConvergedAsync(string ns, string name, int perDeployment, int deployments, string? hash = null)
    {
        await ComputeFixture.EventuallyAsync(async () =>
        {
            var w = await fixture.GetAsync<WorkloadObject>(ns, name);
            var instances = (await InstancesAsync(ns)).Where(i => i.Metadata.Name!.StartsWith(name + "-", StringComparison.Ordinal)).ToList();
            var ok = w?.Status is { } s && s.Deployments == deployments && s.ReadyReplicas == perDeployment * deployments && s.Replicas == perDeployment * deployments
                     && s.CurrentReplicas == perDeployment * deployments && ComputeFixture.ConditionIs(s, ComputeConditions.Available, "True", "AvailablePlacementFound")
                     && instances.Count == perDeployment * deployments && instances.All(i => i.Metadata.DeletionTimestamp is null)
                     && (hash is null || instances.All(i => i.Spec.Controller?.TemplateHash == hash));
            return ok;
        }, $"workload {name} converges to {perDeployment} x {deployments}");
    }

    /// <summary>Records instance events in order: add, ready, terminating, delete.</summary>
    private sealed class Recorder : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private readonly IDisposable _handler;

        public ConcurrentQueue<(string Event, string Name)> Events { get; } = new();

        public Informer<InstanceObject> Informer { get; }

        public Recorder(KubeClient client, string ns)
        {
            Informer = new Informer<InstanceObject>(client.Resource<InstanceObject>());
            _handler = Informer.AddHandler(new ResourceEventHandler<InstanceObject>(
                onAdd: i => { if (i.Metadata.Namespace == ns) Events.Enqueue(("add", i.Metadata.Name!)); },
                onUpdate: (o, n) =>
                {
                    if (n.Metadata.Namespace != ns) return;
                    if (!Ready(o) && Ready(n)) Events.Enqueue(("ready", n.Metadata.Name!));
                    if (o.Metadata.DeletionTimestamp is null && n.Metadata.DeletionTimestamp is not null) Events.Enqueue(("terminating", n.Metadata.Name!));
                },
                onDelete: i => { if (i.Metadata.Namespace == ns) Events.Enqueue(("delete", i.Metadata.Name!)); }));
            _run = Task.Run(() => Informer.RunAsync(_stop.Token));
        }

        private static bool Ready(InstanceObject i) => ComputeFixture.ConditionIs(i.Status, ComputeConditions.Ready, "True");

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
            }
            _handler.Dispose();
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Scaling_3_5_2_and_a_template_change_converge_in_OrderedReady_order_and_deletion_leaves_nothing()
    {
        var ns = await fixture.NamespaceAsync("scale");
        await fixture.NetworkAsync(ns);
        await using var recorder = new Recorder(fixture.Client, ns);
        await recorder.Informer.WaitForSyncAsync(CancellationToken.None);
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "hello", 3, ("us", ["DFW"]), ("eu", ["LHR"])));
        await WaitConvergedAsync(ns, "hello", 3, 2);
        var instances = await InstancesAsync(ns);
        Assert.All(instances, i => Assert.False(string.IsNullOrEmpty(i.Status?.NetworkInterfaces?[0].Assignments?.NetworkIP)));
        Assert.Equal(instances.Count, instances.Select(i => i.Status!.NetworkInterfaces![0].Assignments!.NetworkIP).Distinct().Count());
        Assert.Equal(["hello-eu-lhr-0", "hello-eu-lhr-1", "hello-eu-lhr-2", "hello-us-dfw-0", "hello-us-dfw-1", "hello-us-dfw-2"], instances.Select(i => i.Metadata.Name!).Order(StringComparer.Ordinal));
        // Each instance's address is its own interface's: claim {instance}-net-0, owned by the instance, bound to the interface of that name.
        foreach (var i in instances)
        {
            var claim = await fixture.GetAsync<NetworkInterfaceClaimObject>(ns, i.Metadata.Name + "-net-0");
            Assert.Equal(i.Metadata.Uid, Assert.Single(claim!.Metadata.OwnerReferences!).Uid);
            Assert.Equal(i.Spec.Location!.Name, claim.Spec.Location.Name);
            var nic = await fixture.GetAsync<NetworkInterfaceObject>(ns, claim.Status!.NetworkInterfaceRef!.Name);
            Assert.Equal(nic!.Spec.Addresses!.Single(a => a.Primary == true).Address, i.Status!.NetworkInterfaces![0].Assignments!.NetworkIP);
            Assert.Null(i.Spec.Controller!.SchedulingGates);
        }
        var deployment = await fixture.GetAsync<WorkloadDeploymentObject>(ns, "hello-us-dfw");
        Assert.Equal("dfw", deployment!.Status!.Location!.Name);

        await Scale(ns, 5);
        await WaitConvergedAsync(ns, "hello", 5, 2);
        await Scale(ns, 2);
        await WaitConvergedAsync(ns, "hello", 2, 2);

        var w = await fixture.GetAsync<WorkloadObject>(ns, "hello");
        w!.Spec.Template = ComputeFixture.Template(image: "docker.io/library/nginx:1.28");
        await Workloads.UpdateAsync(w);
        var hash = await ComputeFixture.EventuallyValueAsync(async () => (await fixture.GetAsync<WorkloadDeploymentObject>(ns, "hello-us-dfw"))?.Spec.Template.Spec.Runtime?.ToJsonString().Contains("1.28", StringComparison.Ordinal) == true);
        _ = hash;
        await ComputeFixture.EventuallyAsync(async () => (await InstancesAsync(ns)).All(i => i.Spec.Runtime!.ToJsonString().Contains("nginx:1.28", StringComparison.Ordinal)) && (await fixture.GetAsync<WorkloadObject>(ns, "hello"))!.Status!.CurrentReplicas == 4, "template rolled out");
        await WaitConvergedAsync(ns, "hello", 2, 2);
        // Convergence is read with GETs; the recorder's informer may still be behind on a loaded machine.
        await ComputeFixture.EventuallyAsync(() => Task.FromResult(new[] { "hello-us-dfw", "hello-eu-lhr" }.All(d =>
            recorder.Events.SkipWhile(e => e != ("delete", $"{d}-2")).Contains(("ready", $"{d}-0")))), "the recorder saw the rollout");

        var events = recorder.Events.ToList();
        output.WriteLine(string.Join("\n", events.Select(e => $"{e.Event} {e.Name}")));
        foreach (var d in new[] { "hello-us-dfw", "hello-eu-lhr" })
        {
            var mine = events.Where(e => e.Name.StartsWith(d + "-", StringComparison.Ordinal)).Select(e => (e.Event, Ordinal: ComputeNames.OrdinalOf(e.Name))).ToList();
            // Creation ascending, each after the previous became Ready.
            var adds = mine.Where(e => e.Event == "add").Select(e => e.Ordinal).ToList();
            Assert.Equal([0, 1, 2, 3, 4], adds);
            foreach (var n in adds.Skip(1))
            {
                var addAt = mine.IndexOf(("add", n));
                Assert.True(mine.FindIndex(e => e == ("ready", n - 1)) is var readyAt && readyAt >= 0 && readyAt < addAt, $"{d}-{n} created before {d}-{n - 1} was Ready");
            }
            // Deletion descending, one at a time: each begins after the previous is gone.
            var terminating = mine.Where(e => e.Event == "terminating").Select(e => e.Ordinal).ToList();
            Assert.Equal([4, 3, 2], terminating);
            foreach (var n in terminating.Skip(1))
            {
                Assert.True(mine.IndexOf(("delete", n + 1)) < mine.IndexOf(("terminating", n)), $"{d}-{n} deleted before {d}-{n + 1} was gone");
            }
            // The rollout: one instance at a time, descending (1 then 0): 1 becomes Ready again before 0 is touched.
            var tail = mine.SkipWhile(e => e != ("delete", 2)).ToList();
            var readies = tail.Where(e => e.Event == "ready").Select(e => e.Ordinal).ToList();
            Assert.Equal([1, 0], readies);
        }

        // Deleting the workload leaves nothing behind: once it is gone, its deployments, instances, interface claims and
        // interfaces are gone too; the contexts (and their subnets) follow when no binding needs them any more.
        Assert.NotEmpty(await fixture.ListAsync<NetworkInterfaceClaimObject>(ns));
        Assert.NotEmpty(await fixture.ListAsync<NetworkInterfaceObject>(ns));
        await Workloads.DeleteAsync(ns, "hello");
        await ComputeFixture.EventuallyAsync(async () => (await fixture.ListAsync<WorkloadObject>(ns)).Count == 0, "the workload is gone");
        Assert.Empty(await fixture.ListAsync<WorkloadDeploymentObject>(ns));
        Assert.Empty(await InstancesAsync(ns));
        Assert.Empty(await fixture.ListAsync<NetworkInterfaceClaimObject>(ns));
        Assert.Empty(await fixture.ListAsync<NetworkInterfaceObject>(ns));
        Assert.Empty(await fixture.ListAsync<NetworkBindingObject>(ns));
        await ComputeFixture.EventuallyAsync(async () =>
            (await fixture.ListAsync<NetworkContextObject>(ns)).Count == 0 && (await fixture.ListAsync<SubnetClaimObject>(ns)).Count == 0 && (await fixture.ListAsync<SubnetObject>(ns)).Count == 0,
            "the contexts and their subnets are gone");
    }

    private async Task Scale(string ns, int replicas)
    {
        var w = await fixture.GetAsync<WorkloadObject>(ns, "hello");
        foreach (var p in w!.Spec.Placements) p.ScaleSettings.MinReplicas = replicas;
        await Workloads.UpdateAsync(w);
    }

    [Fact]
    public async Task A_provider_failure_shows_on_the_instance_deployment_and_workload_and_recovers()
    {
        var ns = await fixture.NamespaceAsync("fail");
        await fixture.NetworkAsync(ns);
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "web", 2, ("us", ["DFW"])));
        await WaitConvergedAsync(ns, "web", 2, 1);
        var instances = fixture.Client.Resource<InstanceObject>();
        await ObjectOpsAnnotate(instances, ns, "web-us-dfw-1", "disk quota exceeded");
        await ComputeFixture.EventuallyAsync(async () =>
        {
            var i = await fixture.GetAsync<InstanceObject>(ns, "web-us-dfw-1");
            var d = await fixture.GetAsync<WorkloadDeploymentObject>(ns, "web-us-dfw");
            var w = await fixture.GetAsync<WorkloadObject>(ns, "web");
            return ComputeFixture.ConditionIs(i!.Status, ComputeConditions.Ready, "False", "ProgrammingFailed")
                   && ComputeFixture.ConditionIs(d!.Status, ComputeConditions.InstancesReady, "False", "ProgrammingFailed")
                   && ComputeFixture.ConditionIs(w!.Status, ComputeConditions.InstancesReady, "False", "ProgrammingFailed")
                   && w.Status!.Conditions!.First(c => c.Type == ComputeConditions.InstancesReady).Message.Contains("disk quota exceeded", StringComparison.Ordinal);
        }, "the failure shows everywhere");
        await ObjectOpsAnnotate(instances, ns, "web-us-dfw-1", null);
        await ComputeFixture.EventuallyAsync(async () => ComputeFixture.ConditionIs((await fixture.GetAsync<WorkloadObject>(ns, "web"))!.Status, ComputeConditions.InstancesReady, "True", "AllInstancesReady"), "recovers");
        await WaitConvergedAsync(ns, "web", 2, 1);
        await Workloads.DeleteAsync(ns, "web");
    }

    private static Task ObjectOpsAnnotate(ResourceClient<InstanceObject> api, string ns, string name, string? message) =>
        Datum.Runtime.Reconcile.ObjectOperations.UpdateAsync(api, ns, name, i =>
        {
            i.Metadata.Annotations ??= [];
            if (message is null) return i.Metadata.Annotations.Remove(SimulatedNetworkProvider.FailAnnotation);
            i.Metadata.Annotations[SimulatedNetworkProvider.FailAnnotation] = message;
            return true;
        });

    [Fact]
    public async Task A_missing_network_is_a_condition_and_nothing_is_created_until_it_exists()
    {
        var ns = await fixture.NamespaceAsync("nonet");
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "lonely", 1, ("us", ["DFW"])));
        await ComputeFixture.EventuallyAsync(async () => ComputeFixture.ConditionIs((await fixture.GetAsync<WorkloadObject>(ns, "lonely"))!.Status, ComputeConditions.Available, "False", "NetworkNotFound"), "NetworkNotFound");
        var condition = (await fixture.GetAsync<WorkloadObject>(ns, "lonely"))!.Status!.Conditions!.First(c => c.Type == ComputeConditions.Available);
        Assert.Equal("Unable to find networks: default", condition.Message);
        Assert.Empty(await fixture.ListAsync<WorkloadDeploymentObject>(ns));
        Assert.Empty(await fixture.ListAsync<NetworkBindingObject>(ns));
        await fixture.NetworkAsync(ns);
        await WaitConvergedAsync(ns, "lonely", 1, 1);
        await Workloads.DeleteAsync(ns, "lonely");
    }

    [Fact]
    public async Task Placement_spreads_deployments_over_the_Locations_of_a_city_by_load()
    {
        var root = fixture.Client.Resource<LocationObject>();
        foreach (var name in new[] { "nrt-a", "nrt-b" })
        {
            await root.CreateAsync(new LocationObject
            {
                Metadata = new ObjectMeta { Name = name },
                Spec = new LocationSpec { LocationClassName = "datum-managed", Topology = new() { ["topology.datum.net/city-code"] = "NRT" }, Provider = new LocationProvider { Simulated = new SimulatedProvider { Region = "jp" } } },
            });
        }
        var ns = await fixture.NamespaceAsync("spread");
        await fixture.NetworkAsync(ns);
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "big", 3, ("jp", ["NRT"])));
        await WaitConvergedAsync(ns, "big", 3, 1);
        Assert.Equal("nrt-a", (await fixture.GetAsync<WorkloadDeploymentObject>(ns, "big-jp-nrt"))!.Status!.Location!.Name);
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "small", 1, ("jp", ["NRT"])));
        await WaitConvergedAsync(ns, "small", 1, 1);
        Assert.Equal("nrt-b", (await fixture.GetAsync<WorkloadDeploymentObject>(ns, "small-jp-nrt"))!.Status!.Location!.Name);
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "third", 1, ("jp", ["NRT"])));
        await WaitConvergedAsync(ns, "third", 1, 1);
        Assert.Equal("nrt-b", (await fixture.GetAsync<WorkloadDeploymentObject>(ns, "third-jp-nrt"))!.Status!.Location!.Name);
        foreach (var w in new[] { "big", "small", "third" }) await Workloads.DeleteAsync(ns, w);
        await ComputeFixture.EventuallyAsync(async () => (await InstancesAsync(ns)).Count == 0, "cleaned up");
    }

    [Fact]
    public async Task A_slow_start_is_reported_as_Starting_then_Running()
    {
        var ns = await fixture.NamespaceAsync("slow");
        await fixture.NetworkAsync(ns);
        await using var recorder = new Recorder(fixture.Client, ns);
        await recorder.Informer.WaitForSyncAsync(CancellationToken.None);
        var reasons = new ConcurrentQueue<string>();
        using var handler = recorder.Informer.AddHandler(new ResourceEventHandler<InstanceObject>(
            onAdd: _ => { },
            onUpdate: (_, n) => { if (n.Metadata.Namespace == ns && n.Status?.Conditions?.FirstOrDefault(c => c.Type == ComputeConditions.Running) is { } r) reasons.Enqueue(r.Reason); },
            onDelete: _ => { }));
        var w = ComputeFixture.Workload(ns, "slow", 1, ("us", ["DFW"]));
        w.Spec.Template.Metadata!.Annotations = new() { [Provider.SimulatedComputeProvider.StartDelayAnnotation] = "300" };
        await Workloads.CreateAsync(w);
        await WaitConvergedAsync(ns, "slow", 1, 1);
        Assert.Contains("Starting", reasons);
        Assert.Equal("Running", reasons.Last());
        await Workloads.DeleteAsync(ns, "slow");
    }

    [Fact]
    public async Task A_city_whose_Location_is_gone_gets_a_deployment_that_says_so()
    {
        var root = fixture.Client.Resource<LocationObject>();
        await root.CreateAsync(new LocationObject
        {
            Metadata = new ObjectMeta { Name = "gru" },
            Spec = new LocationSpec { LocationClassName = "datum-managed", Topology = new() { ["topology.datum.net/city-code"] = "GRU" }, Provider = new LocationProvider { Simulated = new SimulatedProvider { Region = "br" } } },
        });
        var ns = await fixture.NamespaceAsync("gone");
        await fixture.NetworkAsync(ns);
        await Workloads.CreateAsync(ComputeFixture.Workload(ns, "w", 1, ("sa", ["GRU"])));
        await WaitConvergedAsync(ns, "w", 1, 1);
        await root.DeleteAsync(null, "gru");
        await ComputeFixture.EventuallyAsync(async () =>
            ComputeFixture.ConditionIs((await fixture.GetAsync<WorkloadDeploymentObject>(ns, "w-sa-gru"))!.Status, ComputeConditions.Available, "False", "NoCandidateLocations")
            && ComputeFixture.ConditionIs((await fixture.GetAsync<WorkloadObject>(ns, "w"))!.Status, ComputeConditions.Available, "False", "NoAvailablePlacements"), "NoCandidateLocations");
        var message = (await fixture.GetAsync<WorkloadDeploymentObject>(ns, "w-sa-gru"))!.Status!.Conditions!.First(c => c.Type == ComputeConditions.Available).Message;
        Assert.Contains("GRU", message);
        Assert.Contains("DFW", message);
        await Workloads.DeleteAsync(ns, "w");
        await ComputeFixture.EventuallyAsync(async () => (await fixture.ListAsync<WorkloadDeploymentObject>(ns)).Count == 0 && (await InstancesAsync(ns)).Count == 0, "cleaned up");
    }
}

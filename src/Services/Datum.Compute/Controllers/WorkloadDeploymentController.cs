using System.Collections.Concurrent;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Provider;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Informers;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Controllers;

/// <summary>
/// WorkloadDeployment → Location, networks and Instances (the reference's scheduler, WorkloadDeploymentReconciler and
/// stateful instance control, in one reconciler):
/// <list type="number">
/// <item>Placement (<see cref="PlacementScheduler"/>): a Location with the deployment's city code, least loaded first.</item>
/// <item>Networks: NetworkBinding <c>{deployment}-net-{i}</c> per interface, so the network has its NetworkContext in the
/// Location. Addresses are per instance: the <see cref="InstanceController"/> claims a NetworkInterface for each of the
/// instance's interfaces and lifts the instance's <c>Network</c> scheduling gate when they are allocated.</item>
/// <item>Instances <c>{deployment}-{ordinal}</c>, created with the <c>Network</c> gate (when they have interfaces),
/// OrderedReady: creations ascending, each waiting for the previous to be Ready; then template updates descending; then
/// deletions descending, each waiting for the previous to be gone. One action per reconcile.</item>
/// <item>Status: replicas, currentReplicas, desiredReplicas, readyReplicas; <c>Available</c> (<c>NoCandidateLocations</c>,
/// <c>ProvisioningNetwork</c>, <c>NetworkFailedToCreate</c>, <c>ProvisioningInstances</c>, <c>StableInstanceFound</c>, or
/// the failing instance's reason) and <c>InstancesReady</c> (False with the first failing instance's reason).</item>
/// </list>
/// Finalizer: deletion deletes the instances, then their interface claims (garbage collection would too; the finalizer
/// waits so that nothing is left when the deployment is gone), then the bindings, and waits until they are gone.
/// </summary>
internal sealed class WorkloadDeploymentController(Manager manager, PlacementScheduler placement, StatusThrottle throttle) : IReconciler
{
    private readonly OwnWrites _own = new();

    // Per deployment uid: the instance it created last, until the cache shows it (name, the created object, deadline in ms).
    private readonly ConcurrentDictionary<string, (string Name, InstanceObject Instance, long Deadline)> _created = new(StringComparer.Ordinal);

    // Per deployment uid: the template hash of a generation.
    private readonly ConcurrentDictionary<string, (long Generation, string Hash)> _hashes = new(StringComparer.Ordinal);

    public static Controller Setup(Manager manager, int workers = 8) => manager.NewController()
        .For<WorkloadDeploymentObject>(EventFilters.NotStatusOnly)
        .Owns<InstanceObject>(filters: InstanceStateChanged.Instance)
        .Owns<NetworkBindingObject>()
        .Watches<LocationObject>(l => manager.Clusters.SelectMany(c => c.Informers.For<WorkloadDeploymentObject>().Cache.List())
            .Where(d => d.Status?.Location?.Name == l.Metadata.Name || (d.Status?.Location is null &&
                        string.Equals(d.Spec.CityCode, l.Spec.Topology.GetValueOrDefault(NetworkingNames.CityCodeTopologyKey), StringComparison.OrdinalIgnoreCase)))
            .Select(ObjectKey.Of).Distinct())
        .Named("workloaddeployment")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new WorkloadDeploymentController(manager, new PlacementScheduler(manager), new StatusThrottle(TimeSpan.FromSeconds(1), TimeProvider.System)));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cluster = manager.GetCluster(request.Cluster);
        var client = cluster.Client;
        var api = client.Resource<WorkloadDeploymentObject>();
        // The cache's copy (see Cached), unless it is one this controller has written over: its own status writes do
        // not wake it (NotStatusOnly), so it reads the server rather than skip what woke it.
        var deployment = await Cached.GetAsync<WorkloadDeploymentObject>(cluster, request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (deployment is not null && _own.IsStale(deployment)) deployment = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (deployment is null)
        {
            placement.Forget(request.Cluster, request.Namespace, request.Name);
            throttle.Forget(request.Cluster, request.Namespace, request.Name);
            return ReconcileResult.Done;
        }
        var ns = deployment.Metadata.Namespace!;
        var name = deployment.Metadata.Name!;
        var uid = deployment.Metadata.Uid!;
        var instancesApi = client.Resource<InstanceObject>();
        var instances = cluster.Informers.For<InstanceObject>().Cache.ByIndex(ObjectCache<InstanceObject>.OwnerUidIndex, uid);
        var bindingsApi = client.Resource<NetworkBindingObject>();
        var claimsApi = client.Resource<NetworkInterfaceClaimObject>();

        if (Finalizers.IsBeingDeleted(deployment))
        {
            if (!Finalizers.Contains(deployment, ComputeNames.Finalizer)) return ReconcileResult.Done;
            // The caches first: a terminating deployment comes back every half second until it is empty, and a list
            // with a label selector makes the server read its whole namespace. The server is asked once the caches
            // show nothing left.
            var cachedLeft = await DeleteEachAsync(instancesApi, instances, ct).ConfigureAwait(false);
            if (cachedLeft == 0)
            {
                cachedLeft = await DeleteEachAsync(claimsApi, cluster.Informers.For<NetworkInterfaceClaimObject>().Cache.List(ns)
                    .Where(c => c.Metadata.Labels?.GetValueOrDefault(ComputeNames.WorkloadDeploymentUidLabel) == uid), ct).ConfigureAwait(false)
                    + await DeleteEachAsync(bindingsApi, cluster.Informers.For<NetworkBindingObject>().Cache.ByIndex(ObjectCache<NetworkBindingObject>.OwnerUidIndex, uid), ct).ConfigureAwait(false);
            }
            if (cachedLeft > 0) return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(500));
            // Uncached: nothing may be left behind.
            var selector = new ListOptions { LabelSelector = $"{ComputeNames.WorkloadDeploymentUidLabel}={uid}" };
            var left = await DeleteEachAsync(instancesApi, (await instancesApi.ListAsync(ns, selector, ct).ConfigureAwait(false)).Items, ct).ConfigureAwait(false);
            if (left == 0)
            {
                left = await DeleteEachAsync(claimsApi, (await claimsApi.ListAsync(ns, selector, ct).ConfigureAwait(false)).Items, ct).ConfigureAwait(false)
                    + await DeleteEachAsync(bindingsApi, (await bindingsApi.ListAsync(null, selector, ct).ConfigureAwait(false)).Items, ct).ConfigureAwait(false);
            }
            if (left > 0) return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(500));
            await ObjectOperations.UpdateFromAsync(api, deployment, d => d.Metadata.Uid == uid && Finalizers.Remove(d, ComputeNames.Finalizer), ct).ConfigureAwait(false);
            placement.Forget(request.Cluster, ns, name);
            throttle.Forget(request.Cluster, ns, name);
            _own.Forget(deployment);
            _created.TryRemove(uid, out _);
            _hashes.TryRemove(uid, out _);
            return ReconcileResult.Done;
        }
        if (!Finalizers.Contains(deployment, ComputeNames.Finalizer))
        {
            deployment = await ObjectOperations.UpdateFromAsync(api, deployment, d => Finalizers.Add(d, ComputeNames.Finalizer), ct).ConfigureAwait(false);
            if (deployment is null) return ReconcileResult.Done;
        }

        // 1. Placement.
        var location = deployment.Status?.Location?.Name;
        var locations = cluster.Informers.For<LocationObject>().Cache;
        if (location is null || (locations.Get(null, location) is not { } known || Finalizers.IsBeingDeleted(known)) && !await placement.ExistsAsync(location, ct).ConfigureAwait(false))
        {
            var choice = await placement.ChooseAsync(request.Cluster, deployment, ct).ConfigureAwait(false);
            if (choice.Location is null)
            {
                await UpdateStatusAsync(request.Cluster, api, deployment, instances, clearLocation: true, (false, choice.Reason, choice.Message), null, ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30));
            }
            location = choice.Location;
            var before = deployment;
            deployment = await ObjectOperations.UpdateStatusFromAsync(api, deployment, d =>
            {
                var s = d.Status ??= new WorkloadDeploymentStatus();
                s.Location = new NameRef { Name = location };
                ComputeStatus.Set(s, d, ComputeConditions.Available, false, "LocationAssigned", choice.Message);
                return true;
            }, ct).ConfigureAwait(false);
            _own.Wrote(before, deployment);
            if (deployment is null) return ReconcileResult.Done;
        }

        // 2. Networks: a binding per interface.
        var labels = new Dictionary<string, string> { [ComputeNames.WorkloadDeploymentUidLabel] = uid, [ComputeNames.WorkloadUidLabel] = deployment.Spec.WorkloadRef.Uid };
        var interfaces = deployment.Spec.Template.Spec.NetworkInterfaces;
        var networkReady = true;
        (string Reason, string Message)? networkProblem = null;
        for (var i = 0; i < interfaces.Count; i++)
        {
            var bindingName = ComputeNames.BindingName(name, i);
            var networkName = interfaces[i].Network.Name;
            var d = deployment;
            // The cache answers for a binding that is already as wanted; only a missing or different one costs a read and a write.
            var binding = cluster.Informers.For<NetworkBindingObject>().Cache.Get(ns, bindingName) is { } cachedBinding && Stamped(cachedBinding, labels, uid) ? cachedBinding : (await ObjectOperations.CreateOrUpdateAsync(bindingsApi, new NetworkBindingObject { Metadata = new ObjectMeta { Name = bindingName, Namespace = ns } }, b =>
            {
                b.Metadata.Labels ??= [];
                foreach (var (k, v) in labels) b.Metadata.Labels[k] = v;
                OwnerReferences.SetControllerReference(d, b);
                if (b.Metadata.ResourceVersion is null)
                {
                    b.Spec.Network = new NameRef { Name = networkName };
                    b.Spec.Location = new NameRef { Name = location };
                }
            }, ct).ConfigureAwait(false)).Object;
            if (binding.Spec.Network.Name != networkName || binding.Spec.Location.Name != location)
            {
                // Bindings are immutable: replace.
                await WorkloadController.DeleteQuietlyAsync(bindingsApi, binding, ct).ConfigureAwait(false);
                networkReady = false;
                continue;
            }
            var bound = ComputeStatus.Get(binding.Status, NetworkingConditions.Ready);
            if (bound?.Status != ConditionStatus.True || binding.Status?.NetworkContextRef is null)
            {
                networkReady = false;
                if (bound is { Status: ConditionStatus.False } && bound.Reason is "NetworkFailedToCreate" or "NetworkNotFound" or "LocationNotAvailable")
                {
                    networkProblem ??= ("NetworkFailedToCreate", $"network binding {bindingName}: {bound.Reason}: {bound.Message}");
                }
                continue;
            }
        }

        // 3. OrderedReady.
        var hash = TemplateHash(deployment);
        var desired = deployment.Spec.ScaleSettings.MinReplicas;
        var finalizer = locations.Get(null, location)?.Spec.Provider?.Simulated is not null ? SimulatedNetworkProvider.Finalizer : null;
        var awaitingCache = false;
        if (_created.TryGetValue(uid, out var expected))
        {
            // The instance created last is not in the cache yet: acting now would create it again (AlreadyExists). Its
            // creation event wakes this reconcile; the deadline covers an event that never comes (created, then deleted).
            if (instances.Any(i => i.Metadata.Name == expected.Name) || Environment.TickCount64 >= expected.Deadline)
            {
                _created.TryRemove(new KeyValuePair<string, (string, InstanceObject, long)>(uid, expected));
            }
            else
            {
                instances = [.. instances, expected.Instance];
                awaitingCache = true;
            }
        }
        if (!awaitingCache && await StepAsync(instancesApi, deployment, instances, desired, hash, location, finalizer, ct).ConfigureAwait(false) is { } created)
        {
            _created[uid] = (created.Metadata.Name!, created, Environment.TickCount64 + 10_000);
            // Counted now, so the reconcile its creation event causes finds the counters already right.
            instances = [.. instances, created];
        }

        // 4. Status.
        var failing = instances.Where(i => !Finalizers.IsBeingDeleted(i)).Select(i => (i, f: ComputeStatus.Failure(i))).Where(x => x.f is not null)
            .OrderBy(x => ComputeNames.OrdinalOf(x.i.Metadata.Name!)).FirstOrDefault();
        (bool, string, string)? available = null;
        var ready = instances.Count(ComputeStatus.IsReady);
        if (ready > 0) available = (true, "StableInstanceFound", $"{ready}/{desired} instances are ready");
        else if (!networkReady) available = (false, networkProblem?.Reason ?? "ProvisioningNetwork", networkProblem?.Message ?? "waiting for the networks' bindings in location " + location);
        else if (failing.f is not null) available = (false, failing.f.Reason, $"instance {failing.i.Metadata.Name}: {failing.f.Message}");
        else available = (false, "ProvisioningInstances", $"0/{desired} instances are ready");
        var wait = await UpdateStatusAsync(request.Cluster, api, deployment, instances, clearLocation: false, available.Value, failing.f is null ? null : (failing.f.Reason, $"instance {failing.i.Metadata.Name}: {failing.f.Message}"), ct).ConfigureAwait(false);
        return wait is { } w ? ReconcileResult.RequeueAfter(w) : ReconcileResult.Done;
    }

    // Deletes each object not already being deleted; how many objects there were.
    private static async Task<int> DeleteEachAsync<T>(ResourceClient<T> api, IEnumerable<T> objects, CancellationToken ct) where T : class, IKubeObject
    {
        var count = 0;
        foreach (var obj in objects)
        {
            count++;
            if (!Finalizers.IsBeingDeleted(obj)) await WorkloadController.DeleteQuietlyAsync(api, obj, ct).ConfigureAwait(false);
        }
        return count;
    }

    // A network object this deployment made, as it made it (labels and controller reference; the spec is checked by the caller).
    private static bool Stamped(IKubeObject obj, Dictionary<string, string> labels, string uid) =>
        !Finalizers.IsBeingDeleted(obj) && OwnerReferences.GetController(obj)?.Uid == uid &&
        labels.All(l => obj.Metadata.Labels?.GetValueOrDefault(l.Key) == l.Value);

    /// <summary>One OrderedReady action; returns the instance it created, if it created one.</summary>
    private static async Task<InstanceObject?> StepAsync(ResourceClient<InstanceObject> api, WorkloadDeploymentObject deployment, IReadOnlyList<InstanceObject> instances, int desired, string hash, string location,
        string? providerFinalizer, CancellationToken ct)
    {
        // Any instance going away: wait for it (deletions one at a time).
        if (instances.Any(Finalizers.IsBeingDeleted)) return null;
        var byOrdinal = new SortedDictionary<int, InstanceObject>();
        foreach (var i in instances) byOrdinal[ComputeNames.OrdinalOf(i.Metadata.Name!)] = i;
        for (var ordinal = 0; ordinal < desired; ordinal++)
        {
            if (!byOrdinal.TryGetValue(ordinal, out var existing))
            {
                return await CreateAsync(api, deployment, ordinal, hash, location, providerFinalizer, ct).ConfigureAwait(false);
            }
            if (!ComputeStatus.IsReady(existing)) return null;
        }
        for (var ordinal = desired - 1; ordinal >= 0; ordinal--)
        {
            var existing = byOrdinal[ordinal];
            if (existing.Spec.Controller?.TemplateHash == hash && existing.Spec.Location?.Name == location) continue;
            await ObjectOperations.UpdateAsync(api, existing.Metadata.Namespace, existing.Metadata.Name!, i =>
            {
                if (i.Metadata.Uid != existing.Metadata.Uid) return false;
                // Same networks and Location: the interfaces stay as they are; else they are claimed anew behind the gate.
                var sameNetworks = i.Spec.Location?.Name == location && i.Spec.NetworkInterfaces.Select(n => n.Network.Name)
                    .SequenceEqual(deployment.Spec.Template.Spec.NetworkInterfaces.Select(n => n.Network.Name), StringComparer.Ordinal);
                Stamp(i, deployment, ordinal, hash, location, gated: ComputeStatus.Gated(i) || !sameNetworks);
                return true;
            }, ct).ConfigureAwait(false);
            return null;
        }
        foreach (var (ordinal, extra) in byOrdinal.Reverse())
        {
            if (ordinal >= 0 && ordinal < desired) continue;
            await WorkloadController.DeleteQuietlyAsync(api, extra, ct).ConfigureAwait(false);
            return null;
        }
        return null;
    }

    private static void Stamp(InstanceObject i, WorkloadDeploymentObject deployment, int ordinal, string hash, string location, bool gated)
    {
        var template = deployment.Spec.Template;
        i.Metadata.Labels = template.Metadata?.Labels is { } l ? new(l) : [];
        i.Metadata.Labels[ComputeNames.InstanceIndexLabel] = ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        i.Metadata.Labels[ComputeNames.WorkloadUidLabel] = deployment.Spec.WorkloadRef.Uid;
        i.Metadata.Labels[ComputeNames.WorkloadDeploymentUidLabel] = deployment.Metadata.Uid!;
        var keep = i.Metadata.Annotations?.Where(a => a.Key.StartsWith("simulation.datum.net/", StringComparison.Ordinal)).ToList() ?? [];
        i.Metadata.Annotations = template.Metadata?.Annotations is { } a ? new(a) : null;
        foreach (var (k, v) in keep) (i.Metadata.Annotations ??= [])[k] = v;
        i.Spec = WorkloadController.CloneSpec(template.Spec);
        i.Spec.Location = new NameRef { Name = location };
        i.Spec.Controller = new InstanceControl
        {
            TemplateHash = hash,
            SchedulingGates = gated && template.Spec.NetworkInterfaces.Count > 0 ? [new NameRef { Name = ComputeNames.NetworkGate }] : null,
        };
        OwnerReferences.SetControllerReference(deployment, i);
    }

    private static async Task<InstanceObject?> CreateAsync(ResourceClient<InstanceObject> api, WorkloadDeploymentObject deployment, int ordinal, string hash, string location,
        string? providerFinalizer, CancellationToken ct)
    {
        var instance = new InstanceObject { Metadata = new ObjectMeta { Name = ComputeNames.InstanceName(deployment.Metadata.Name!, ordinal), Namespace = deployment.Metadata.Namespace } };
        Stamp(instance, deployment, ordinal, hash, location, gated: true);
        // The simulated provider's first act would be to add its finalizer: added here, it costs no write of its own.
        if (providerFinalizer is not null) instance.Metadata.Finalizers = [providerFinalizer];
        try
        {
            return await api.CreateAsync(instance, ct: ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            return null;
        }
    }

    /// <summary>Writes the status unless only counters changed within the throttle's interval: then returns how long to wait.</summary>
    private async Task<TimeSpan?> UpdateStatusAsync(string cluster, ResourceClient<WorkloadDeploymentObject> api, WorkloadDeploymentObject deployment, IReadOnlyList<InstanceObject> instances,
        bool clearLocation, (bool Value, string Reason, string Message) available, (string Reason, string Message)? failure, CancellationToken ct)
    {
        var ns = deployment.Metadata.Namespace;
        var name = deployment.Metadata.Name!;
        // Decided on a copy of the cached status first: most reconciles change nothing or only counters (throttled),
        // and then nothing is cloned or written.
        var current = deployment.Status ?? new WorkloadDeploymentStatus();
        var next = current with { Conditions = current.Conditions is { } c ? [.. c] : null };
        if (!ApplyStatus(next, deployment, instances, clearLocation, available, failure)) return null;
        var wait = throttle.Wait(cluster, ns, name, urgent: (current.Location?.Name, ComputeStatus.Significant(current.Conditions)) != (next.Location?.Name, ComputeStatus.Significant(next.Conditions)));
        if (wait is not null) return wait;
        var written = await ObjectOperations.UpdateStatusFromAsync(api, deployment, d =>
            d.Metadata.Uid == deployment.Metadata.Uid && ApplyStatus(d.Status ??= new WorkloadDeploymentStatus(), d, instances, clearLocation, available, failure), ct).ConfigureAwait(false);
        _own.Wrote(deployment, written);
        if (written is not null) throttle.Written(cluster, ns, name);
        return null;
    }

    // The deployment's status from its instances; whether anything changed.
    private static bool ApplyStatus(WorkloadDeploymentStatus s, WorkloadDeploymentObject d, IReadOnlyList<InstanceObject> instances, bool clearLocation,
        (bool Value, string Reason, string Message) available, (string Reason, string Message)? failure)
    {
        var changed = false;
        if (clearLocation && s.Location is not null)
        {
            s.Location = null;
            changed = true;
        }
        int replicas = 0, current = 0, ready = 0;
        foreach (var i in instances)
        {
            if (Finalizers.IsBeingDeleted(i)) continue;
            replicas++;
            if (ComputeStatus.IsCurrent(i)) current++;
            if (ComputeStatus.IsReady(i)) ready++;
        }
        var desired = d.Spec.ScaleSettings.MinReplicas;
        changed |= s.Replicas != replicas || s.CurrentReplicas != current || s.DesiredReplicas != desired || s.ReadyReplicas != ready;
        (s.Replicas, s.CurrentReplicas, s.DesiredReplicas, s.ReadyReplicas) = (replicas, current, desired, ready);
        changed |= ComputeStatus.Set(s, d, ComputeConditions.Available, available.Value, available.Reason, available.Message);
        if (failure is { } f) changed |= ComputeStatus.Set(s, d, ComputeConditions.InstancesReady, false, f.Reason, f.Message);
        else if (ready == desired && replicas == desired && current == desired)
            changed |= ComputeStatus.Set(s, d, ComputeConditions.InstancesReady, true, "AllInstancesReady", $"{ready}/{desired} instances are ready and up to date");
        else changed |= ComputeStatus.Set(s, d, ComputeConditions.InstancesReady, false, "ProvisioningInstances", $"{ready}/{desired} instances are ready, {current} up to date");
        return changed;
    }

    // The template hash of a deployment's current generation (serializing the template on every reconcile is most of
    // the cost of a reconcile that changes nothing).
    private string TemplateHash(WorkloadDeploymentObject deployment)
    {
        var uid = deployment.Metadata.Uid!;
        var generation = deployment.Metadata.Generation ?? 0;
        if (_hashes.TryGetValue(uid, out var known) && known.Generation == generation) return known.Hash;
        var hash = ComputeStatus.TemplateHash(deployment.Spec.Template);
        _hashes[uid] = (generation, hash);
        return hash;
    }
}

using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Informers;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Controllers;

/// <summary>
/// Workload → WorkloadDeployments (the reference's WorkloadReconciler). Checks that every network of the template exists
/// (else <c>Available=False/NetworkNotFound</c> and nothing is created); makes one deployment
/// <c>{workload}-{placement}-{lower(city)}</c> per placement × city code (a city whose Location went away still gets its
/// deployment, which says <c>NoCandidateLocations</c> rather than being skipped silently); deletes deployments no longer
/// wanted; aggregates replica counters per placement and overall, with <c>Available</c> and <c>InstancesReady</c>.
/// Finalizer <c>compute.datumapis.com/workload-controller</c>: deletion waits until every deployment is gone.
/// </summary>
internal sealed class WorkloadController(Manager manager, StatusThrottle throttle) : IReconciler
{
    private readonly OwnWrites _own = new();

    // Per deployment uid: the (deployment generation, workload generation, workload uid) it was last found as wanted for.
    private readonly ConcurrentDictionary<string, (long, long, string)> _wanted = new(StringComparer.Ordinal);

    public static Controller Setup(Manager manager, int workers = 4) => manager.NewController()
        .For<WorkloadObject>(EventFilters.NotStatusOnly)
        .Owns<WorkloadDeploymentObject>()
        .Watches<NetworkObject>(n => manager.Clusters.SelectMany(c => c.Informers.For<WorkloadObject>().Cache.List(n.Metadata.Namespace!))
            .Where(w => w.Spec.Template.Spec.NetworkInterfaces.Any(i => i.Network.Name == n.Metadata.Name)).Select(ObjectKey.Of).Distinct())
        .Named("workload")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new WorkloadController(manager, new StatusThrottle(TimeSpan.FromSeconds(1), TimeProvider.System)));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cluster = manager.GetCluster(request.Cluster);
        var client = cluster.Client;
        var api = client.Resource<WorkloadObject>();
        var deployments = client.Resource<WorkloadDeploymentObject>();
        // The cache's copy unless this controller has written over it (its own status writes do not wake it).
        var workload = await Cached.GetAsync<WorkloadObject>(cluster, request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (workload is not null && _own.IsStale(workload)) workload = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (workload is null)
        {
            throttle.Forget(request.Cluster, request.Namespace, request.Name);
            return ReconcileResult.Done;
        }
        var ns = workload.Metadata.Namespace!;
        var uid = workload.Metadata.Uid!;
        var cache = cluster.Informers.For<WorkloadDeploymentObject>().Cache;
        if (Finalizers.IsBeingDeleted(workload))
        {
            if (!Finalizers.Contains(workload, ComputeNames.Finalizer)) return ReconcileResult.Done;
            // The cache while it shows deployments left (a list with a label selector reads the whole namespace), the
            // server once it shows none: nothing may be left behind.
            IReadOnlyList<WorkloadDeploymentObject> owned = cache.ByIndex(ObjectCache<WorkloadDeploymentObject>.OwnerUidIndex, uid);
            if (owned.Count == 0) owned = (await deployments.ListAsync(ns, new ListOptions { LabelSelector = $"{ComputeNames.WorkloadUidLabel}={uid}" }, ct).ConfigureAwait(false)).Items;
            foreach (var d in owned.Where(d => !Finalizers.IsBeingDeleted(d))) await DeleteQuietlyAsync(deployments, d, ct).ConfigureAwait(false);
            foreach (var d in owned) _wanted.TryRemove(d.Metadata.Uid!, out _);
            if (owned.Count > 0) return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(1));
            await ObjectOperations.UpdateFromAsync(api, workload, w => w.Metadata.Uid == uid && Finalizers.Remove(w, ComputeNames.Finalizer), ct).ConfigureAwait(false);
            _own.Forget(workload);
            return ReconcileResult.Done;
        }
        if (!Finalizers.Contains(workload, ComputeNames.Finalizer))
        {
            workload = await ObjectOperations.UpdateFromAsync(api, workload, w => Finalizers.Add(w, ComputeNames.Finalizer), ct).ConfigureAwait(false);
            if (workload is null) return ReconcileResult.Done;
        }

        var missing = new List<string>();
        foreach (var name in workload.Spec.Template.Spec.NetworkInterfaces.Select(i => i.Network.Name).Distinct(StringComparer.Ordinal))
        {
            var network = cluster.Informers.For<NetworkObject>().Cache.Get(ns, name) ?? await client.Resource<NetworkObject>().TryGetAsync(ns, name, ct).ConfigureAwait(false);
            if (network is null || Finalizers.IsBeingDeleted(network)) missing.Add(name);
        }
        if (missing.Count > 0)
        {
            var before = workload;
            _own.Wrote(before, await ObjectOperations.UpdateStatusFromAsync(api, workload, w =>
                ComputeStatus.Set(w.Status ??= new WorkloadStatus(), w, ComputeConditions.Available, false, "NetworkNotFound", "Unable to find networks: " + string.Join(", ", missing)), ct).ConfigureAwait(false));
            return ReconcileResult.Done;
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var placement in workload.Spec.Placements)
        {
            foreach (var city in placement.CityCodes)
            {
                var name = ComputeNames.DeploymentName(workload.Metadata.Name!, placement.Name, city);
                wanted.Add(name);
                var w = workload;
                void Desired(WorkloadDeploymentObject d)
                {
                    d.Metadata.Labels ??= [];
                    d.Metadata.Labels[ComputeNames.WorkloadUidLabel] = uid;
                    OwnerReferences.SetControllerReference(w, d);
                    d.Spec.WorkloadRef = new WorkloadRef { Name = w.Metadata.Name!, Uid = uid };
                    d.Spec.PlacementName = placement.Name;
                    d.Spec.CityCode = city;
                    d.Spec.Template = Clone(w.Spec.Template);
                    d.Spec.ScaleSettings = placement.ScaleSettings with { Metrics = placement.ScaleSettings.Metrics?.DeepClone().AsArray() };
                }
                // Deployments' status changes wake this reconcile often; a deployment the cache shows as wanted costs no read,
                // and one already found as wanted for these generations is not compared again.
                if (cache.Get(ns, name) is { } cached && !Finalizers.IsBeingDeleted(cached))
                {
                    var stamp = (cached.Metadata.Generation ?? 0, workload.Metadata.Generation ?? 0, uid);
                    if (_wanted.TryGetValue(cached.Metadata.Uid!, out var seen) && seen == stamp && cached.Metadata.Labels?.GetValueOrDefault(ComputeNames.WorkloadUidLabel) == uid) continue;
                    if (AlreadyAs(cached, Desired))
                    {
                        _wanted[cached.Metadata.Uid!] = stamp;
                        continue;
                    }
                }
                await ObjectOperations.CreateOrUpdateAsync(deployments, new WorkloadDeploymentObject { Metadata = new ObjectMeta { Name = name, Namespace = ns } }, Desired, ct).ConfigureAwait(false);
            }
        }
        var mine = cache.ByIndex(ObjectCache<WorkloadDeploymentObject>.OwnerUidIndex, uid).Where(d => d.Metadata.Labels?.GetValueOrDefault(ComputeNames.WorkloadUidLabel) == uid).ToList();
        foreach (var orphan in mine.Where(d => !wanted.Contains(d.Metadata.Name!) && !Finalizers.IsBeingDeleted(d))) await DeleteQuietlyAsync(deployments, orphan, ct).ConfigureAwait(false);

        var current = mine.Where(d => wanted.Contains(d.Metadata.Name!)).ToList();
        // Decided on a copy first: most reconciles change nothing or only counters (throttled), and then nothing is
        // cloned or written.
        var probe = workload with { Status = workload.Status is { } st ? st with { Conditions = st.Conditions is { } c ? [.. c] : null } : null };
        if (!Aggregate(probe, current)) return ReconcileResult.Done;
        var wait = throttle.Wait(request.Cluster, ns, workload.Metadata.Name!, urgent: Significant(workload.Status) != Significant(probe.Status));
        if (wait is { } after) return ReconcileResult.RequeueAfter(after);
        var known = workload;
        var written = await ObjectOperations.UpdateStatusFromAsync(api, workload, w => w.Metadata.Uid == uid && Aggregate(w, current), ct).ConfigureAwait(false);
        _own.Wrote(known, written);
        if (written is not null) throttle.Written(request.Cluster, ns, workload.Metadata.Name!);
        return ReconcileResult.Done;
    }

    private static string Significant(WorkloadStatus? s) =>
        s is null ? "" : $"{s.Deployments}|{ComputeStatus.Significant(s.Conditions)}|{string.Join("|", (s.Placements ?? []).Select(p => $"{p.Name}:{p.Deployments}:{ComputeStatus.Significant(p.Conditions)}"))}";

    // Whether mutating a copy of the cached object would change nothing.
    private static bool AlreadyAs(WorkloadDeploymentObject cached, Action<WorkloadDeploymentObject> mutate)
    {
        var before = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(cached, ComputeJsonContext.Default.WorkloadDeploymentObject);
        var copy = System.Text.Json.JsonSerializer.Deserialize(before, ComputeJsonContext.Default.WorkloadDeploymentObject)!;
        mutate(copy);
        return before.AsSpan().SequenceEqual(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(copy, ComputeJsonContext.Default.WorkloadDeploymentObject));
    }

    internal static InstanceTemplate Clone(InstanceTemplate t) => new()
    {
        Metadata = t.Metadata is null ? null : new TemplateMeta
        {
            Labels = t.Metadata.Labels is null ? null : new(t.Metadata.Labels),
            Annotations = t.Metadata.Annotations is null ? null : new(t.Metadata.Annotations),
        },
        Spec = CloneSpec(t.Spec),
    };

    internal static InstanceSpec CloneSpec(InstanceSpec s) => new()
    {
        Runtime = s.Runtime?.DeepClone().AsObject(),
        NetworkInterfaces = [.. s.NetworkInterfaces.Select(i => new NetworkInterface { Network = i.Network with { }, NetworkPolicy = i.NetworkPolicy?.DeepClone().AsObject() })],
        Volumes = s.Volumes?.DeepClone().AsArray(),
        Location = s.Location is null ? null : s.Location with { },
        Controller = s.Controller is null ? null : new InstanceControl { TemplateHash = s.Controller.TemplateHash, SchedulingGates = s.Controller.SchedulingGates?.Select(g => g with { }).ToList() },
    };

    private static bool Aggregate(WorkloadObject w, IReadOnlyList<WorkloadDeploymentObject> deployments)
    {
        var status = w.Status ??= new WorkloadStatus();
        var before = System.Text.Json.JsonSerializer.Serialize(status, ComputeJsonContext.Default.WorkloadObject.Options);
        var placements = new List<PlacementStatus>();
        foreach (var p in w.Spec.Placements)
        {
            var mine = deployments.Where(d => d.Spec.PlacementName == p.Name).ToList();
            var old = status.Placements?.FirstOrDefault(x => x.Name == p.Name);
            var ps = new PlacementStatus { Name = p.Name, Conditions = old?.Conditions is { } c ? [.. c] : null };
            Sum(ps, mine);
            ps.Deployments = mine.Count;
            var available = mine.Any(d => ComputeStatus.Get(d.Status, ComputeConditions.Available)?.Status == ConditionStatus.True);
            ComputeStatus.Set(ps, w, ComputeConditions.Available, available, available ? "AvailableDeploymentFound" : "NoAvailableDeployments",
                available ? $"{mine.Count(d => ComputeStatus.Get(d.Status, ComputeConditions.Available)?.Status == ConditionStatus.True)}/{mine.Count} deployments are available"
                          : mine.Select(d => ComputeStatus.Get(d.Status, ComputeConditions.Available)).FirstOrDefault(x => x is not null) is { } why ? $"no deployment is available: {why.Reason}: {why.Message}" : "no deployment is available yet");
            placements.Add(ps);
        }
        status.Placements = placements;
        status.Deployments = deployments.Count;
        Sum(status, deployments);
        var any = placements.Any(p => ComputeStatus.Get(p, ComputeConditions.Available)?.Status == ConditionStatus.True);
        ComputeStatus.Set(status, w, ComputeConditions.Available, any, any ? "AvailablePlacementFound" : "NoAvailablePlacements",
            any ? $"{status.ReadyReplicas}/{status.DesiredReplicas} instances are ready" : $"no placement is available ({status.ReadyReplicas}/{status.DesiredReplicas} instances are ready)");
        var failing = deployments.Select(d => (d, c: ComputeStatus.Get(d.Status, ComputeConditions.InstancesReady)))
            .Where(x => x.c is { Status: ConditionStatus.False } && x.c.Reason != "ProvisioningInstances").OrderBy(x => x.d.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
        if (failing.c is not null) ComputeStatus.Set(status, w, ComputeConditions.InstancesReady, false, failing.c.Reason, $"deployment {failing.d.Metadata.Name}: {failing.c.Message}");
        else if (status.ReadyReplicas == status.DesiredReplicas && status.CurrentReplicas == status.DesiredReplicas && deployments.Count > 0 && status.Replicas == status.DesiredReplicas)
            ComputeStatus.Set(status, w, ComputeConditions.InstancesReady, true, "AllInstancesReady", $"{status.ReadyReplicas}/{status.DesiredReplicas} instances are ready and up to date");
        else ComputeStatus.Set(status, w, ComputeConditions.InstancesReady, false, "ProvisioningInstances", $"{status.ReadyReplicas}/{status.DesiredReplicas} instances are ready, {status.CurrentReplicas} up to date");
        return System.Text.Json.JsonSerializer.Serialize(status, ComputeJsonContext.Default.WorkloadObject.Options) != before;
    }

    private static void Sum(ReplicaStatus target, IEnumerable<WorkloadDeploymentObject> deployments)
    {
        target.Replicas = target.CurrentReplicas = target.DesiredReplicas = target.ReadyReplicas = 0;
        foreach (var d in deployments)
        {
            if (d.Status is not { } s) continue;
            target.Replicas += s.Replicas;
            target.CurrentReplicas += s.CurrentReplicas;
            target.DesiredReplicas += s.DesiredReplicas;
            target.ReadyReplicas += s.ReadyReplicas;
        }
    }

    internal static async Task DeleteQuietlyAsync<T>(ResourceClient<T> api, T obj, CancellationToken ct) where T : class, IKubeObject
    {
        try
        {
            await api.DeleteAsync(obj.Metadata.Namespace, obj.Metadata.Name!, new DeleteOptions { Preconditions = new DeletePreconditions { Uid = obj.Metadata.Uid } }, ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict)
        {
        }
    }

}

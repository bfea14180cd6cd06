using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Controllers;

/// <summary>
/// An Instance's network interfaces and its readiness (the reference's InstanceReconciler, plus per-instance
/// addressing):
/// <list type="number">
/// <item>Interfaces: one NetworkInterfaceClaim <c>{instance}-net-{i}</c> per <c>spec.networkInterfaces[i]</c> (network,
/// the instance's Location, interface <c>eth{i}</c>; controller reference to the Instance, so deleting the Instance
/// deletes the claim and, through it, the NetworkInterface). A claim of an earlier instance of the same name, or for
/// another network or Location, is deleted and made again.</item>
/// <item>The <c>Network</c> scheduling gate is lifted once every claim is <c>Bound</c> and <c>Allocated</c> for its
/// current generation (docs/providers.md, "Network interfaces: the contract with compute").</item>
/// <item>Ready: gates present → <c>Ready=False/SchedulingGatesPresent</c> (<c>NetworkFailedToCreate</c> with the claim's
/// reason when a claim failed); else <c>Programmed</c> not True (or not for the current template) → its reason (default
/// <c>PendingProgramming</c>); else <c>Running</c> not True → its reason (default <c>Pending</c>); else
/// <c>Ready=True/Running</c>. <c>Programmed</c> and <c>Running</c> are written by the location's provider.</item>
/// </list>
/// A new instance's first Ready waits <see cref="ProviderGrace"/> from when it becomes schedulable: a provider that
/// reports quickly (the simulated one writes <c>Ready</c> with its first report) then makes the only write, instead of
/// two writers racing. Behind its <c>Network</c> gate it waits <see cref="GatedGrace"/>: claims are usually allocated
/// sooner, and then the provider's report is still the first.
/// </summary>
internal sealed class InstanceController(Manager manager) : IReconciler
{
    /// <summary>How long a new instance waits for its provider's first report before Ready is derived without it.</summary>
    public static readonly TimeSpan ProviderGrace = TimeSpan.FromSeconds(1);

    /// <summary>How long a new instance behind its Network gate goes without a Ready condition.</summary>
    public static readonly TimeSpan GatedGrace = TimeSpan.FromSeconds(5);

    // Claim reasons that only mean "not yet" (docs/providers.md): anything else is a failure shown on the instance.
    private static readonly HashSet<string> TransientClaimReasons = new(StringComparer.Ordinal) { "", "Pending", "SubnetPending", "NetworkNotAvailableInLocation" };

    // When each new instance became the provider's to report (created ungated, or its gate lifted).
    private readonly GracePeriods _waiting = new();

    private readonly OwnWrites _own = new();

    public static Controller Setup(Manager manager, int workers = 8) => manager.NewController()
        .For<InstanceObject>()
        .Owns<NetworkInterfaceClaimObject>(filters: ClaimStateChanged.Instance)
        .Named("instance")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new InstanceController(manager));

    internal static (bool Ready, string Reason, string Message) Derive(InstanceObject instance, string? networkFailure = null)
    {
        if (instance.Spec.Controller?.SchedulingGates is { Count: > 0 } gates)
        {
            if (networkFailure is not null) return (false, "NetworkFailedToCreate", networkFailure);
            return (false, "SchedulingGatesPresent", "Scheduling gates present: " + string.Join(", ", gates.Select(g => g.Name)));
        }
        var programmed = ComputeStatus.Get(instance.Status, ComputeConditions.Programmed);
        if (programmed?.Status != ConditionStatus.True)
        {
            return (false, string.IsNullOrEmpty(programmed?.Reason) ? "PendingProgramming" : programmed.Reason, programmed?.Message is { Length: > 0 } m ? m : "waiting for the location's provider to program the instance");
        }
        if (instance.Status?.Controller?.ObservedTemplateHash != instance.Spec.Controller?.TemplateHash)
        {
            return (false, "ProgrammingInProgress", $"the provider has not programmed template {instance.Spec.Controller?.TemplateHash} yet");
        }
        var running = ComputeStatus.Get(instance.Status, ComputeConditions.Running);
        if (running?.Status != ConditionStatus.True)
        {
            return (false, string.IsNullOrEmpty(running?.Reason) ? "Pending" : running.Reason, running?.Message is { Length: > 0 } rm ? rm : "waiting for the instance to run");
        }
        return (true, "Running", "Instance is ready");
    }

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cluster = manager.GetCluster(request.Cluster);
        var cached = cluster.Informers.For<InstanceObject>().Cache.Get(request.Namespace, request.Name);
        // A copy this controller has written over teaches nothing: the write's own event brings it back.
        if (cached is null || _own.IsStale(cached)) return ReconcileResult.Done;
        var uid = cached.Metadata.Uid ?? "";
        if (Finalizers.IsBeingDeleted(cached))
        {
            _waiting.Forget(request.Cluster, uid);
            _own.Forget(cached);
            return ReconcileResult.Done;
        }
        var api = cluster.Client.Resource<InstanceObject>();

        var (allocated, failure) = await EnsureClaimsAsync(cluster, cached, ct).ConfigureAwait(false);
        if (allocated && cached.Spec.Controller?.SchedulingGates?.Any(g => g.Name == ComputeNames.NetworkGate) == true)
        {
            _waiting.Restart(request.Cluster, uid);
            // The update brings the instance back here (and to its provider) without the gate.
            _own.Wrote(cached, await ObjectOperations.UpdateFromAsync(api, cached, i =>
                i.Metadata.Uid == cached.Metadata.Uid && i.Spec.Controller?.SchedulingGates?.RemoveAll(g => g.Name == ComputeNames.NetworkGate) > 0
                && (i.Spec.Controller.SchedulingGates.Count > 0 || (i.Spec.Controller.SchedulingGates = null) is null), ct).ConfigureAwait(false));
            return ReconcileResult.Done;
        }

        var (ready, reason, message) = Derive(cached, failure);
        var current = ComputeStatus.Get(cached.Status, ComputeConditions.Ready);
        if (current is null && failure is null)
        {
            var wait = _waiting.Remaining(request.Cluster, uid, ComputeStatus.Gated(cached) ? GatedGrace : ProviderGrace);
            if (wait > TimeSpan.Zero) return ReconcileResult.RequeueAfter(wait);
        }
        _waiting.Forget(request.Cluster, uid);
        if (current is not null && current.Status == (ready ? ConditionStatus.True : ConditionStatus.False) && current.Reason == reason
            && current.Message == message && current.ObservedGeneration == cached.Metadata.Generation)
        {
            return ReconcileResult.Done;
        }
        _own.Wrote(cached, await ObjectOperations.UpdateStatusFromAsync(api, cached, i =>
        {
            if (i.Metadata.Uid != cached.Metadata.Uid) return false;
            var (r, why, text) = Derive(i, failure);
            return ComputeStatus.Set(i.Status ??= new InstanceStatus(), i, ComputeConditions.Ready, r, why, text);
        }, ct).ConfigureAwait(false));
        return ReconcileResult.Done;
    }

    /// <summary>Makes the instance's interface claims; whether all are Bound and Allocated, and the first failure.</summary>
    private static async Task<(bool Allocated, string? Failure)> EnsureClaimsAsync(Runtime.Clusters.ICluster cluster, InstanceObject instance, CancellationToken ct)
    {
        var interfaces = instance.Spec.NetworkInterfaces;
        var location = instance.Spec.Location?.Name;
        if (interfaces.Count == 0) return (true, null);
        if (location is null) return (false, null);
        var cache = cluster.Informers.For<NetworkInterfaceClaimObject>().Cache;
        var api = cluster.Client.Resource<NetworkInterfaceClaimObject>();
        var ns = instance.Metadata.Namespace!;
        var all = true;
        string? failure = null;
        for (var i = 0; i < interfaces.Count; i++)
        {
            var name = ComputeNames.InterfaceClaimName(instance.Metadata.Name!, i);
            var network = interfaces[i].Network.Name;
            var claim = cache.Get(ns, name) ?? await CreateClaimAsync(api, instance, name, network, location, i, ct).ConfigureAwait(false);
            if (claim is null)
            {
                all = false;
                continue;
            }
            if (OwnerReferences.GetController(claim)?.Uid != instance.Metadata.Uid || claim.Spec.Network.Name != network || claim.Spec.Location.Name != location)
            {
                // An earlier instance's claim, or one for another network or Location (both are immutable): replace it.
                if (!Finalizers.IsBeingDeleted(claim)) await WorkloadController.DeleteQuietlyAsync(api, claim, ct).ConfigureAwait(false);
                all = false;
                continue;
            }
            var bound = ComputeStatus.Get(claim.Status, NetworkingConditions.Bound);
            var allocated = ComputeStatus.Get(claim.Status, NetworkingConditions.Allocated);
            var generation = claim.Metadata.Generation;
            if (bound is { Status: ConditionStatus.True } && bound.ObservedGeneration == generation && allocated is { Status: ConditionStatus.True } && allocated.ObservedGeneration == generation)
            {
                continue;
            }
            all = false;
            var why = allocated is { Status: ConditionStatus.False } ? allocated : bound is { Status: ConditionStatus.False } ? bound : null;
            if (why is not null && !TransientClaimReasons.Contains(why.Reason)) failure ??= $"network interface claim {name}: {why.Reason}: {why.Message}";
        }
        return (all, failure);
    }

    private static async Task<NetworkInterfaceClaimObject?> CreateClaimAsync(ResourceClient<NetworkInterfaceClaimObject> api, InstanceObject instance, string name, string network, string location, int index,
        CancellationToken ct)
    {
        var labels = new Dictionary<string, string>();
        foreach (var key in new[] { ComputeNames.WorkloadUidLabel, ComputeNames.WorkloadDeploymentUidLabel })
        {
            if (instance.Metadata.Labels?.GetValueOrDefault(key) is { } value) labels[key] = value;
        }
        var claim = new NetworkInterfaceClaimObject
        {
            Metadata = new ObjectMeta
            {
                Name = name, Namespace = instance.Metadata.Namespace, Labels = labels,
                // The claim controller's first act would be to add its finalizer: added here, it costs no write of its own.
                Finalizers = [NetworkingNames.InterfaceClaimFinalizer],
            },
            Spec = new NetworkInterfaceClaimSpec
            {
                Network = new NameRef { Name = network },
                Location = new NameRef { Name = location },
                InterfaceName = ComputeNames.InterfaceName(index),
            },
        };
        OwnerReferences.SetControllerReference(instance, claim);
        try
        {
            return await api.CreateAsync(claim, ct: ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            return await api.TryGetAsync(instance.Metadata.Namespace, name, ct).ConfigureAwait(false);
        }
    }
}

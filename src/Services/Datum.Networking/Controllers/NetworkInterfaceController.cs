using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// NetworkInterface: <c>status.phase</c> (<c>Bound</c> while its claim exists and owns it, <c>Available</c> once
/// retained), <c>Allocated</c>, <c>Prepared</c> (the network context and the interface subnets are Ready in the
/// location), <c>Programmed</c> (the provider's; <c>False/NotProgrammed</c> until it reports) and <c>Ready</c> (all
/// three). A new interface's first status waits up to a second for the provider's <c>Programmed</c>, so that it is
/// one write. On deletion it returns the addresses to their blocks before removing the finalizer
/// <c>networkinterface-ipam-release</c>.
/// </summary>
internal sealed class NetworkInterfaceController(Manager manager, AddressBlockAllocator allocator) : IReconciler
{
    // How long a new interface's first status waits for the provider's Programmed: reported together, the status
    // costs one write (and the claim's mirror one) instead of a NotProgrammed placeholder racing the provider's write.
    private static readonly TimeSpan s_providerGrace = TimeSpan.FromSeconds(1);

    /// <summary>How soon a reconcile that found the cache behind its own last write looks again.</summary>
    internal static readonly TimeSpan StaleRetry = TimeSpan.FromMilliseconds(20);

    private readonly GracePeriods _firstSeen = new();
    private readonly OwnWrites _own = new();

    public static Controller Setup(Manager manager, AddressBlockAllocator allocator, int workers = 16) => manager.NewController()
        .For<NetworkInterfaceObject>(WatchFilters.ProviderReportOrMetadata)
        // Only a claim's departure changes an interface's phase (it arrives before its interface, in the same cache).
        .Watches<NetworkInterfaceClaimObject>(c => [ObjectKey.Of(c)], WatchFilters.DeletesOnly)
        .Watches<NetworkContextObject>(c => OfContext(manager, c.Metadata.Namespace!, c.Metadata.Name!), WatchFilters.ReadinessChanged)
        .Watches<SubnetObject>(s => OfContext(manager, s.Metadata.Namespace!, s.Spec.NetworkContext.Name), WatchFilters.ReadinessChanged)
        .Named("networkinterface")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new NetworkInterfaceController(manager, allocator));

    private static IEnumerable<ObjectKey> OfContext(Manager manager, string ns, string context) =>
        manager.Clusters.SelectMany(cluster => cluster.Informers.For<NetworkInterfaceObject>().Cache.List(ns))
            .Where(n => n.Spec.NetworkContext?.Name == context && !Status.IsTrue(n.Status, NetworkingConditions.Prepared))
            .Select(ObjectKey.Of).Distinct();

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cluster = manager.GetCluster(request.Cluster);
        var client = cluster.Client;
        var api = client.Resource<NetworkInterfaceObject>();
        // Status comes from the informer caches (see Cached); releasing addresses reads the server.
        var nic = await Cached.GetAsync<NetworkInterfaceObject>(cluster, request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (nic is null) return ReconcileResult.Done;
        // Woken before the cache has our last write: its own event is filtered out, so look again shortly.
        if (_own.IsStale(nic)) return ReconcileResult.RequeueAfter(StaleRetry);
        var ns = nic.Metadata.Namespace!;
        if (Finalizers.IsBeingDeleted(nic))
        {
            _firstSeen.Forget(request.Cluster, nic.Metadata.Uid ?? "");
            _own.Forget(nic);
            nic = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
            if (nic is null) return ReconcileResult.Done;
            if (!Finalizers.Contains(nic, NetworkingNames.InterfaceIpamFinalizer)) return ReconcileResult.Done;
            if (nic.Spec.ClaimRef?.Uid is { } owner)
            {
                foreach (var pool in await NetworkInterfaceClaimController.PoolsAsync(client, null, nic, ct).ConfigureAwait(false))
                {
                    await allocator.ReleaseAsync(client, pool, owner, ct).ConfigureAwait(false);
                }
            }
            await ObjectOperations.UpdateAsync(api, ns, nic.Metadata.Name!, n =>
                n.Metadata.Uid == nic.Metadata.Uid && Finalizers.Remove(n, NetworkingNames.InterfaceIpamFinalizer), ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        if (Status.Get(nic.Status, NetworkingConditions.Programmed) is null && nic.Metadata.Uid is { } uid)
        {
            var wait = _firstSeen.Remaining(request.Cluster, uid, s_providerGrace);
            if (wait > TimeSpan.Zero) return ReconcileResult.RequeueAfter(wait);
        }
        _firstSeen.Forget(request.Cluster, nic.Metadata.Uid ?? "");
        var facts = await FactsAsync(cluster, nic, ct).ConfigureAwait(false);
        // Usually the provider has written this status already (see Apply): then nothing is cloned or written.
        if (!WouldChange(nic, facts)) return ReconcileResult.Done;
        _own.Wrote(nic, await ObjectOperations.UpdateStatusFromAsync(api, nic, n => n.Metadata.Uid == nic.Metadata.Uid && Apply(n, facts), ct).ConfigureAwait(false));
        return ReconcileResult.Done;
    }

    /// <summary>What Datum's part of an interface's status is derived from, besides the interface itself.</summary>
    internal readonly record struct InterfaceFacts(bool Bound, bool Prepared, string PreparedReason, string PreparedMessage);

    /// <summary>Whether the interface's claim exists and owns it, and whether its context and subnets are Ready (from the caches).</summary>
    internal static async Task<InterfaceFacts> FactsAsync(Datum.Runtime.Clusters.ICluster cluster, NetworkInterfaceObject nic, CancellationToken ct)
    {
        var claim = await Cached.GetAsync<NetworkInterfaceClaimObject>(cluster, nic.Metadata.Namespace!, nic.Spec.ClaimRef?.Name ?? nic.Metadata.Name!, ct).ConfigureAwait(false);
        var bound = claim is not null && claim.Metadata.Uid == nic.Spec.ClaimRef?.Uid && nic.Metadata.OwnerReferences?.Any(r => r.Uid == claim.Metadata.Uid) == true;
        var (prepared, reason, message) = await PreparedAsync(cluster, nic, ct).ConfigureAwait(false);
        return new InterfaceFacts(bound, prepared, reason, message);
    }

    /// <summary>Whether <see cref="Apply"/> would change the interface's status (tried on a copy of the status, not the object).</summary>
    internal static bool WouldChange(NetworkInterfaceObject nic, InterfaceFacts facts)
    {
        var trial = nic with { Status = nic.Status is { } s ? s with { Conditions = s.Conditions is { } c ? [.. c] : null } : null };
        return Apply(trial, facts);
    }

    /// <summary>
    /// Datum's rule for an interface's status: phase, <c>Allocated</c>, <c>Prepared</c>, a <c>NotProgrammed</c>
    /// placeholder while the provider has not reported, and <c>Ready</c> (all three). The simulated provider applies it
    /// in its own <c>Programmed</c> write, so the interface's status is one write; true when anything changed.
    /// </summary>
    internal static bool Apply(NetworkInterfaceObject n, InterfaceFacts facts)
    {
        var status = n.Status ??= new NetworkInterfaceStatus();
        var changed = false;
        var phase = facts.Bound ? "Bound" : "Available";
        if (status.Phase != phase)
        {
            status.Phase = phase;
            changed = true;
        }
        var allocated = n.Spec.Addresses is { Count: > 0 };
        changed |= Status.Set(status, n, NetworkingConditions.Allocated, allocated, allocated ? "AddressesAllocated" : "NoAddresses",
            allocated ? string.Join(", ", n.Spec.Addresses!.Select(a => $"{a.Address} ({a.Family}, gateway {a.Gateway})")) : "the interface has no addresses");
        changed |= Status.Set(status, n, NetworkingConditions.Prepared, facts.Prepared, facts.PreparedReason, facts.PreparedMessage);
        var programmed = Status.Get(status, NetworkingConditions.Programmed);
        if (programmed is null)
        {
            changed |= Status.Set(status, n, NetworkingConditions.Programmed, false, "NotProgrammed", "waiting for the location's provider");
            programmed = Status.Get(status, NetworkingConditions.Programmed);
        }
        var isProgrammed = programmed!.Status == "True" && programmed.ObservedGeneration == n.Metadata.Generation;
        var (ready, reason, message) = !allocated ? (false, "NoAddresses", "the interface has no addresses")
            : !facts.Prepared ? (false, facts.PreparedReason, facts.PreparedMessage)
            : !isProgrammed ? (false, programmed.Reason ?? "NotProgrammed", programmed.Message ?? "waiting for the location's provider")
            : (true, "Ready", "addresses allocated, network prepared, programmed by the provider");
        changed |= Status.Set(status, n, NetworkingConditions.Ready, ready, reason, message);
        return changed;
    }

    private static async Task<(bool, string, string)> PreparedAsync(Datum.Runtime.Clusters.ICluster cluster, NetworkInterfaceObject nic, CancellationToken ct)
    {
        var ns = nic.Metadata.Namespace!;
        var contextName = nic.Spec.NetworkContext?.Name ?? NetworkingNames.ContextName(nic.Spec.Network.Name, nic.Spec.Location.Name);
        var context = await Cached.GetAsync<NetworkContextObject>(cluster, ns, contextName, ct).ConfigureAwait(false);
        if (context is null) return (false, "NetworkNotAvailableInLocation", $"network context {contextName} does not exist");
        if (!Status.IsTrue(context.Status, NetworkingConditions.Ready)) return (false, "NetworkContextNotReady", $"network context {contextName} is not ready");
        foreach (var family in (nic.Spec.Addresses ?? []).Select(a => a.Family).Distinct())
        {
            var name = NetworkingNames.InterfaceSubnetName(contextName, family);
            var subnet = await Cached.GetAsync<SubnetObject>(cluster, ns, name, ct).ConfigureAwait(false);
            if (subnet is null || !Status.IsTrue(subnet.Status, NetworkingConditions.Ready)) return (false, "SubnetNotReady", $"subnet {name} is not ready");
        }
        return (true, "NetworkReady", $"network context {contextName} and its subnets are ready");
    }
}

using System.Collections.Concurrent;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Networking.Provider;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Clusters;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// NetworkInterfaceClaim → NetworkInterface of the same name. Finds the network's context in the claim's location
/// (<c>{network}-{location}</c>; none → <c>NetworkNotAvailableInLocation</c>), makes sure the context has a subnet per
/// family for interfaces (SubnetClaim <c>{context}-ipv4</c> / <c>-ipv6</c>, owned by the context: the IPv4 /20, the
/// IPv6 /64), allocates one address per family from it with the <see cref="AddressBlockAllocator"/> (owner: the
/// claim's uid, so a retry after a crash finds the same address), and creates the interface (owned by the claim,
/// finalizer <c>networkinterface-ipam-release</c>). Reports <c>Bound</c> and <c>Allocated</c> (compute gates on these
/// two) and mirrors the interface's <c>Prepared</c>, <c>Programmed</c> and <c>Ready</c>. Deleting the claim deletes the
/// interface (its finalizer releases the addresses) or, with <c>reclaimPolicy: Retain</c>, detaches it and keeps them.
/// The first allocation in a pool after this process starts runs the allocator's repair pass for that pool.
/// </summary>
internal sealed class NetworkInterfaceClaimController(Manager manager, AddressBlockAllocator allocator) : IReconciler
{
    private readonly ConcurrentDictionary<(string Cluster, string Pool), Lazy<Task>> _repaired = new();
    private readonly OwnWrites _own = new();
    private readonly GracePeriods _firstReport = new();

    // Longer than the interface controller's provider grace, after which it reports in any case.
    private static readonly TimeSpan InterfaceReportBackstop = TimeSpan.FromSeconds(2);

    public static Controller Setup(Manager manager, AddressBlockAllocator allocator, int workers = 8) => manager.NewController()
        // The claim's status is this controller's alone: its own writes need not wake it.
        .For<NetworkInterfaceClaimObject>(EventFilters.NotStatusOnly)
        .Watches<NetworkInterfaceObject>(i => [ObjectKey.Of(i)], WatchFilters.InterfaceReport)
        .Watches<NetworkContextObject>(c => Waiting(manager, c.Metadata.Namespace!, c.Metadata.Name!), WatchFilters.Existence)
        .Watches<SubnetObject>(s => Waiting(manager, s.Metadata.Namespace!, s.Spec.NetworkContext.Name), WatchFilters.SubnetAllocation)
        .Watches<NetworkObject>(n => manager.Clusters.SelectMany(cluster => cluster.Informers.For<NetworkInterfaceClaimObject>().Cache.List(n.Metadata.Namespace!))
            .Where(c => c.Spec.Network.Name == n.Metadata.Name && !Status.IsTrue(c.Status, NetworkingConditions.Bound)).Select(ObjectKey.Of).Distinct(), EventFilters.NotStatusOnly)
        .Named("networkinterfaceclaim")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new NetworkInterfaceClaimController(manager, allocator));

    // Claims of a context still waiting for their interface.
    private static IEnumerable<ObjectKey> Waiting(Manager manager, string ns, string context) =>
        manager.Clusters.SelectMany(cluster => cluster.Informers.For<NetworkInterfaceClaimObject>().Cache.List(ns))
            .Where(c => NetworkingNames.ContextName(c.Spec.Network.Name, c.Spec.Location.Name) == context && !Status.IsTrue(c.Status, NetworkingConditions.Bound))
            .Select(ObjectKey.Of).Distinct();

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cluster = manager.GetCluster(request.Cluster);
        var client = cluster.Client;
        var api = client.Resource<NetworkInterfaceClaimObject>();
        var interfaces = client.Resource<NetworkInterfaceObject>();
        // The hot path (bind, then mirror the interface's conditions) reads the informer caches; see Cached.
        var claim = await Cached.GetAsync<NetworkInterfaceClaimObject>(cluster, request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (claim is null) return ReconcileResult.Done;
        // Woken before the cache has our last write: its own event is filtered out, so look again shortly.
        if (_own.IsStale(claim)) return ReconcileResult.RequeueAfter(NetworkInterfaceController.StaleRetry);
        var ns = claim.Metadata.Namespace!;
        var name = claim.Metadata.Name!;
        var uid = claim.Metadata.Uid!;
        // An unbound claim's interface the cache does not know yet is created (after allocating, both idempotent):
        // AlreadyExists answers. A bound claim's interface missing from the cache is asked for (just created, or gone).
        var nic = claim.Status?.NetworkInterfaceRef is null
            ? await Cached.GetOrAbsentAsync<NetworkInterfaceObject>(cluster, ns, name, ct).ConfigureAwait(false)
            : await Cached.GetAsync<NetworkInterfaceObject>(cluster, ns, name, ct).ConfigureAwait(false);
        if (Finalizers.IsBeingDeleted(claim))
        {
            _own.Forget(claim);
            _firstReport.Forget(request.Cluster, uid);
            return await DeleteAsync(client, request, ct).ConfigureAwait(false);
        }
        if (!Finalizers.Contains(claim, NetworkingNames.InterfaceClaimFinalizer))
        {
            claim = await ObjectOperations.UpdateFromAsync(api, claim, c => Finalizers.Add(c, NetworkingNames.InterfaceClaimFinalizer), ct).ConfigureAwait(false);
            if (claim is null) return ReconcileResult.Done;
        }
        if (nic is not null && nic.Spec.ClaimRef?.Uid != uid)
        {
            // Reported only as the server sees it: the cache may still hold an interface that is gone.
            nic = await interfaces.TryGetAsync(ns, name, ct).ConfigureAwait(false);
            if (nic is not null && nic.Spec.ClaimRef?.Uid != uid)
            {
                await ReportAsync(api, claim, null, "InterfaceNameTaken",
                    $"network interface {name} already exists for another claim{(nic.Spec.ReclaimPolicy == "Retain" ? " (retained)" : "")}; delete it or name the claim differently", TimeSpan.Zero, ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(5));
            }
        }
        if (nic is null)
        {
            var (failure, created) = await BindAsync(cluster, claim, ct).ConfigureAwait(false);
            if (failure is not null)
            {
                await ReportAsync(api, claim, null, failure.Value.Reason, failure.Value.Message, failure.Value.Retry, ct).ConfigureAwait(false);
                return failure.Value.Retry is { } after && after > TimeSpan.Zero ? ReconcileResult.RequeueAfter(after) : ReconcileResult.Done;
            }
            if (created is null || created.Spec.ClaimRef?.Uid != uid) return ReconcileResult.Requeue();
            nic = created;
        }
        // A claim's first status waits for its new interface's first report (Ready, which the simulated provider
        // writes with its first Programmed and the interface controller at the latest after its one-second provider
        // grace): then Bound, Allocated and the mirror are one write instead of two. That report wakes the claim
        // (WatchFilters.InterfaceReport); the timer is only a backstop should it never come.
        if (Status.Get(nic.Status, NetworkingConditions.Ready) is null && !Status.IsTrue(claim.Status, NetworkingConditions.Bound))
        {
            var wait = _firstReport.Remaining(request.Cluster, uid, InterfaceReportBackstop);
            if (wait > TimeSpan.Zero) return ReconcileResult.RequeueAfter(wait);
        }
        _firstReport.Forget(request.Cluster, uid);
        _own.Wrote(claim, await ReportAsync(api, claim, nic, null, null, null, ct).ConfigureAwait(false));
        return ReconcileResult.Done;
    }

    // Deletion releases addresses, so it reads the server rather than a cache that may lag behind a fresh interface.
    private async Task<ReconcileResult> DeleteAsync(KubeClient client, ReconcileRequest request, CancellationToken ct)
    {
        var api = client.Resource<NetworkInterfaceClaimObject>();
        var interfaces = client.Resource<NetworkInterfaceObject>();
        var claim = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (claim is null || !Finalizers.Contains(claim, NetworkingNames.InterfaceClaimFinalizer)) return ReconcileResult.Done;
        var ns = claim.Metadata.Namespace!;
        var name = claim.Metadata.Name!;
        var uid = claim.Metadata.Uid!;
        var nic = await interfaces.TryGetAsync(ns, name, ct).ConfigureAwait(false);
        var ours = nic is not null && nic.Spec.ClaimRef?.Uid == uid;
        if (ours && nic!.Spec.ReclaimPolicy == "Retain")
        {
            // Retained: the interface outlives the claim with its addresses; only the owner reference goes.
            await ObjectOperations.UpdateAsync(interfaces, ns, name, n =>
                n.Metadata.Uid == nic.Metadata.Uid && (n.Metadata.OwnerReferences?.RemoveAll(r => r.Uid == uid) ?? 0) > 0, ct).ConfigureAwait(false);
        }
        else if (ours)
        {
            if (!Finalizers.IsBeingDeleted(nic!)) await DeleteQuietlyAsync(interfaces, nic!, ct).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
        }
        else
        {
            // No interface (a crash between allocation and its creation): release what the claim may hold.
            foreach (var pool in await PoolsAsync(client, claim, null, ct).ConfigureAwait(false)) await allocator.ReleaseAsync(client, pool, uid, ct).ConfigureAwait(false);
        }
        await ObjectOperations.UpdateFromAsync(api, claim, c => c.Metadata.Uid == uid && Finalizers.Remove(c, NetworkingNames.InterfaceClaimFinalizer), ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    // Allocates first, then creates the interface in its final form (addresses, owner, finalizer) in one write: the
    // allocation is keyed by the claim's uid, so a retry after a crash or a lost race gets the same addresses.
    private async Task<((string Reason, string Message, TimeSpan? Retry)? Failure, NetworkInterfaceObject? Created)> BindAsync(ICluster cluster, NetworkInterfaceClaimObject claim,
        CancellationToken ct)
    {
        var client = cluster.Client;
        var ns = claim.Metadata.Namespace!;
        var network = await Cached.GetAsync<NetworkObject>(cluster, ns, claim.Spec.Network.Name, ct).ConfigureAwait(false);
        if (network is null || Finalizers.IsBeingDeleted(network))
        {
            return (("NetworkNotFound", $"network {claim.Spec.Network.Name} does not exist{(network is null ? "" : " any more (it is being deleted)")}", TimeSpan.FromSeconds(5)), null);
        }
        var carried = network.Spec.IpFamilies ?? [IpFamilies.IPv4];
        var families = claim.Spec.IpFamilies is { Count: > 0 } wanted ? wanted : carried;
        if (families.FirstOrDefault(f => !carried.Contains(f)) is { } missing)
        {
            return (("AddressFamilyNotCarried", $"network {network.Metadata.Name} does not carry {missing} (spec.ipFamilies: {string.Join(", ", carried)}); ask only for those families", null), null);
        }
        var contextName = NetworkingNames.ContextName(network.Metadata.Name!, claim.Spec.Location.Name);
        var context = await Cached.GetAsync<NetworkContextObject>(cluster, ns, contextName, ct).ConfigureAwait(false);
        if (context is null || Finalizers.IsBeingDeleted(context))
        {
            return (("NetworkNotAvailableInLocation",
                $"network {network.Metadata.Name} is not available in location {claim.Spec.Location.Name} (no network context {contextName}); bind it there with a NetworkBinding", null), null);
        }
        var addresses = new List<InterfaceAddress>();
        foreach (var family in families)
        {
            var subnet = await InterfaceSubnetAsync(cluster, network, context, family, ct).ConfigureAwait(false);
            if (subnet.Pool is not { } pool) return ((subnet.Reason!, subnet.Message!, subnet.Retry), null);
            await RepairOnceAsync(client, pool, ns, contextName, ct).ConfigureAwait(false);
            var result = await allocator.AllocateAsync(client, pool, claim.Metadata.Uid!, ct).ConfigureAwait(false);
            if (!result.Succeeded) return ((result.Reason, $"{family}: {result.Message}", TimeSpan.FromSeconds(30)), null);
            addresses.Add(new InterfaceAddress
            {
                Family = family, Address = Cidr.ToAddress(result.Address!.Value, pool.Range.IsV6).ToString(), PrefixLength = pool.Range.PrefixLength,
                Gateway = Cidr.ToAddress(pool.Gateway, pool.Range.IsV6).ToString(), Primary = addresses.Count == 0, Class = "private",
            });
        }
        var nic = new NetworkInterfaceObject
        {
            Metadata = new ObjectMeta
            {
                Name = claim.Metadata.Name, Namespace = ns,
                Labels = new()
                {
                    [NetworkingNames.NetworkLabel] = network.Metadata.Name!,
                    [NetworkingNames.LocationLabel] = claim.Spec.Location.Name,
                    [NetworkingNames.InterfaceClaimUidLabel] = claim.Metadata.Uid!,
                },
                // The provider's first act would be to add its finalizer: added here, it costs no write of its own.
                Finalizers = await ProviderFinalizerAsync(claim.Spec.Location.Name, ct).ConfigureAwait(false) is { } provider
                    ? [NetworkingNames.InterfaceIpamFinalizer, provider] : [NetworkingNames.InterfaceIpamFinalizer],
            },
            Spec = new NetworkInterfaceSpec
            {
                Network = new NameRef { Name = network.Metadata.Name! }, Location = new NameRef { Name = claim.Spec.Location.Name },
                NetworkContext = new NameRef { Name = contextName },
                InterfaceName = claim.Spec.InterfaceName ?? "eth0", AttachmentMode = claim.Spec.AttachmentMode ?? "Netns",
                ClaimRef = new ClaimRef { Name = claim.Metadata.Name, Uid = claim.Metadata.Uid },
                Addresses = addresses,
                ReclaimPolicy = claim.Spec.ReclaimPolicy ?? "Delete",
            },
        };
        OwnerReferences.SetControllerReference(claim, nic);
        try
        {
            return (null, await client.Resource<NetworkInterfaceObject>().CreateAsync(nic, ct: ct).ConfigureAwait(false));
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            return (null, await client.Resource<NetworkInterfaceObject>().TryGetAsync(ns, nic.Metadata.Name!, ct).ConfigureAwait(false));
        }
    }

    private async Task<string?> ProviderFinalizerAsync(string locationName, CancellationToken ct)
    {
        var root = manager.Clusters.FirstOrDefault(c => c.Name == ClusterNames.Root);
        var location = root is not null
            ? await Cached.GetAsync<LocationObject>(root, null, locationName, ct).ConfigureAwait(false)
            : await manager.Client.ForCluster(ClusterNames.Root).Resource<LocationObject>().TryGetAsync(null, locationName, ct).ConfigureAwait(false);
        return SimulatedNetworkProvider.FinalizerFor(location);
    }

    /// <summary>The context's subnet for interfaces of a family, created on first need; its pool once allocated.</summary>
    private static async Task<(AddressPool? Pool, string? Reason, string? Message, TimeSpan? Retry)> InterfaceSubnetAsync(ICluster cluster, NetworkObject network,
        NetworkContextObject context, string family, CancellationToken ct)
    {
        var ns = context.Metadata.Namespace!;
        var name = NetworkingNames.InterfaceSubnetName(context.Metadata.Name!, family);
        var claims = cluster.Client.Resource<SubnetClaimObject>();
        var subnetClaim = await Cached.GetAsync<SubnetClaimObject>(cluster, ns, name, ct).ConfigureAwait(false);
        if (subnetClaim is null)
        {
            // IPv4: a /20 per context as Datum's classic IPAM, or the whole range when the network's range is smaller.
            int? length = null;
            if (family == IpFamilies.IPv4 && Cidr.TryParse(network.Spec.Ipam.Ipv4Range ?? NetworkingNames.DefaultIpv4Range, out var range, out _) && range.PrefixLength > NetworkingNames.DefaultIpv4SubnetPrefix)
            {
                length = range.PrefixLength;
            }
            var desired = new SubnetClaimObject
            {
                Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = new() { [NetworkingNames.InterfaceSubnetLabel] = context.Metadata.Name!, [NetworkingNames.NetworkLabel] = network.Metadata.Name! } },
                Spec = new SubnetSpec
                {
                    SubnetClass = "private", NetworkContext = new NameRef { Name = context.Metadata.Name! }, Location = new NameRef { Name = context.Spec.Location.Name },
                    IpFamily = family, PrefixLength = length,
                },
            };
            OwnerReferences.SetControllerReference(context, desired);
            try
            {
                await claims.CreateAsync(desired, ct: ct).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsAlreadyExists)
            {
            }
            return (null, "SubnetPending", $"allocating the {family} subnet {name} of network context {context.Metadata.Name}", TimeSpan.FromSeconds(2));
        }
        var subnet = await Cached.GetAsync<SubnetObject>(cluster, ns, name, ct).ConfigureAwait(false);
        if (subnet is null || Finalizers.IsBeingDeleted(subnet) || subnet.Metadata.Labels?.GetValueOrDefault(NetworkingNames.ClaimUidLabel) != subnetClaim.Metadata.Uid
            || subnet.Status?.StartAddress is not { } start || subnet.Status.PrefixLength is not { } prefixLength || !Cidr.TryParse($"{start}/{prefixLength}", out var prefix, out _))
        {
            var allocated = Status.Get(subnetClaim.Status, NetworkingConditions.Allocated);
            return allocated is { Status: "False" } && allocated.Reason is not ("Pending" or "SubnetPending")
                ? (null, allocated.Reason, $"the {family} subnet {name} of network context {context.Metadata.Name} could not be allocated: {allocated.Message}", TimeSpan.FromSeconds(30))
                : (null, "SubnetPending", $"waiting for the {family} subnet {name} of network context {context.Metadata.Name}", TimeSpan.FromSeconds(2));
        }
        return (new AddressPool(subnet.Metadata.Uid!, prefix), null, null, null);
    }

    /// <summary>The pools a claim may hold addresses in (its context's interface subnets that exist).</summary>
    internal static async Task<List<AddressPool>> PoolsAsync(KubeClient client, NetworkInterfaceClaimObject? claim, NetworkInterfaceObject? nic, CancellationToken ct)
    {
        var ns = claim?.Metadata.Namespace ?? nic!.Metadata.Namespace!;
        var context = nic?.Spec.NetworkContext?.Name ?? NetworkingNames.ContextName(claim!.Spec.Network.Name, claim.Spec.Location.Name);
        var pools = new List<AddressPool>();
        foreach (var family in new[] { IpFamilies.IPv4, IpFamilies.IPv6 })
        {
            var subnet = await client.Resource<SubnetObject>().TryGetAsync(ns, NetworkingNames.InterfaceSubnetName(context, family), ct).ConfigureAwait(false);
            if (subnet?.Status?.StartAddress is { } start && subnet.Status.PrefixLength is { } length && Cidr.TryParse($"{start}/{length}", out var prefix, out _))
            {
                pools.Add(new AddressPool(subnet.Metadata.Uid!, prefix));
            }
        }
        return pools;
    }

    // Once per pool per process: blocks are reconciled with the claims and interfaces that exist before this process
    // hands out addresses from them (a previous process may have died between a block write and the interface's creation).
    // Only the interfaces of the pool's own context hold addresses in it: other networks (and namespaces) reuse the
    // same ranges, so an address in the pool's range is not enough.
    private Task RepairOnceAsync(KubeClient client, AddressPool pool, string ns, string context, CancellationToken ct) =>
        _repaired.GetOrAdd((client.Cluster, pool.Id), _ => new Lazy<Task>(() => RepairAsync(client, pool, ns, context))).Value.WaitAsync(ct);

    private async Task RepairAsync(KubeClient client, AddressPool pool, string ns, string context)
    {
        try
        {
            await allocator.RepairAsync(client, pool, async ct =>
            {
                var claims = (await client.Resource<NetworkInterfaceClaimObject>().ListAllAsync(ns, ct: ct).ConfigureAwait(false)).Items;
                var nics = (await client.Resource<NetworkInterfaceObject>().ListAllAsync(ns, ct: ct).ConfigureAwait(false)).Items;
                var owners = claims.Select(c => c.Metadata.Uid!).ToHashSet(StringComparer.Ordinal);
                var held = new List<(UInt128, string)>();
                foreach (var n in nics)
                {
                    if (n.Spec.ClaimRef?.Uid is not { } owner || n.Metadata.Namespace != ns || n.Spec.NetworkContext?.Name != context) continue;
                    foreach (var a in n.Spec.Addresses ?? [])
                    {
                        if (Cidr.TryParseAddress(a.Address, out var address, out var v6) && v6 == pool.Range.IsV6 && pool.Range.Contains(address)) held.Add((address, owner));
                    }
                }
                return (owners, held);
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            _repaired.TryRemove((client.Cluster, pool.Id), out _);
            throw;
        }
    }

    // One status write carrying every condition; none (and no copy of the claim) when nothing changed.
    private static async Task<NetworkInterfaceClaimObject?> ReportAsync(ResourceClient<NetworkInterfaceClaimObject> api, NetworkInterfaceClaimObject claim, NetworkInterfaceObject? nic,
        string? reason, string? message, TimeSpan? retry, CancellationToken ct)
    {
        var mutate = Report(claim, nic, reason, message);
        var trial = claim with { Status = claim.Status is { } s ? s with { Conditions = s.Conditions is { } c ? [.. c] : null } : null };
        if (!mutate(trial)) return claim;
        return await ObjectOperations.UpdateStatusFromAsync(api, claim, mutate, ct).ConfigureAwait(false);
    }

    private static Func<NetworkInterfaceClaimObject, bool> Report(NetworkInterfaceClaimObject claim, NetworkInterfaceObject? nic, string? reason, string? message) =>
        c =>
        {
            if (c.Metadata.Uid != claim.Metadata.Uid) return false;
            var status = c.Status ??= new NetworkInterfaceClaimStatus();
            var before = System.Text.Json.JsonSerializer.Serialize(status, NetworkingInterfaceJsonContext.Default.NetworkInterfaceClaimStatus);
            if (nic is null)
            {
                status.Phase = "Pending";
                status.NetworkInterfaceRef = null;
                status.Addresses = null;
                // An interface-name clash is a binding failure; everything else is about addresses.
                var bindingProblem = reason is "InterfaceNameTaken";
                Status.Set(status, c, NetworkingConditions.Bound, false, bindingProblem ? reason! : "Pending", bindingProblem ? message! : $"no interface yet: {message}");
                Status.Set(status, c, NetworkingConditions.Allocated, false, reason!, message!);
                Status.Set(status, c, NetworkingConditions.Prepared, false, reason!, message!);
                Status.Set(status, c, NetworkingConditions.Programmed, false, "NotProgrammed", "no interface yet");
                Status.Set(status, c, NetworkingConditions.Ready, false, reason!, message!);
            }
            else
            {
                status.Phase = "Bound";
                status.NetworkInterfaceRef = new NameRef { Name = nic.Metadata.Name! };
                status.Addresses = nic.Spec.Addresses is { } a ? [.. a] : null;
                Status.Set(status, c, NetworkingConditions.Bound, true, "InterfaceBound", $"bound to network interface {nic.Metadata.Name}");
                Status.Set(status, c, NetworkingConditions.Allocated, true, "AddressesAllocated",
                    string.Join(", ", (nic.Spec.Addresses ?? []).Select(x => $"{x.Address} ({x.Family})")) + " allocated");
                // Mirrored once the interface's controller has reported (its Ready is there): the provider's Programmed
                // alone would cost the claim a write of its own just before that report.
                var reported = Status.Get(nic.Status, NetworkingConditions.Ready) is not null;
                foreach (var type in new[] { NetworkingConditions.Prepared, NetworkingConditions.Programmed, NetworkingConditions.Ready })
                {
                    var mirrored = reported ? Status.Get(nic.Status, type) : null;
                    Status.Set(status, c, type, mirrored?.Status == ConditionStatus.True ? true : false, mirrored?.Reason ?? "Pending", mirrored?.Message ?? "the interface has not reported it yet");
                }
            }
            return System.Text.Json.JsonSerializer.Serialize(status, NetworkingInterfaceJsonContext.Default.NetworkInterfaceClaimStatus) != before;
        };

    internal static async Task DeleteQuietlyAsync(ResourceClient<NetworkInterfaceObject> api, NetworkInterfaceObject nic, CancellationToken ct)
    {
        try
        {
            await api.DeleteAsync(nic.Metadata.Namespace, nic.Metadata.Name!, new DeleteOptions { Preconditions = new DeletePreconditions { Uid = nic.Metadata.Uid } }, ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict)
        {
        }
    }
}

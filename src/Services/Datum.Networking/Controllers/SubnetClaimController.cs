using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// SubnetClaim → Subnet. Allocates the claim's prefix in its network's ledger (<see cref="SubnetLedger"/>), then
/// creates the Subnet of the same name (owned by the NetworkContext, so it goes with the context; finalizer
/// <c>subnet-ipam-release</c> returns the prefix) and reports <c>Allocated</c>, <c>Programmed</c> and <c>Ready</c> on
/// the claim. Failures are reported, never waited on silently: <c>NetworkContextNotFound</c>, <c>NetworkNotFound</c>,
/// <c>AddressFamilyNotCarried</c>, <c>PrefixUnavailable</c>, <c>PrefixOutsideRange</c>, <c>RangeExhausted</c>.
/// Deleting a claim deletes its Subnet and releases the prefix (finalizer <c>subnetclaim-controller</c>).
/// </summary>
internal sealed class SubnetClaimController(Manager manager) : IReconciler
{
    public static Controller Setup(Manager manager, int workers = 8) => manager.NewController()
        .For<SubnetClaimObject>()
        .Watches<SubnetObject>(s => [ObjectKey.Of(s)])
        .Watches<NetworkContextObject>(c => manager.Clusters.SelectMany(cluster => cluster.Informers.For<SubnetClaimObject>().Cache.List(c.Metadata.Namespace!))
            .Where(claim => claim.Spec.NetworkContext.Name == c.Metadata.Name && !Status.IsTrue(claim.Status, NetworkingConditions.Allocated)).Select(ObjectKey.Of).Distinct(),
            EventFilters.Where(_ => true))
        .Named("subnetclaim")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new SubnetClaimController(manager));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var client = manager.GetCluster(request.Cluster).Client;
        var api = client.Resource<SubnetClaimObject>();
        var subnets = client.Resource<SubnetObject>();
        var claim = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (claim is null) return ReconcileResult.Done;
        var ns = claim.Metadata.Namespace!;
        var name = claim.Metadata.Name!;
        var uid = claim.Metadata.Uid!;
        var subnet = await subnets.TryGetAsync(ns, name, ct).ConfigureAwait(false);
        if (Finalizers.IsBeingDeleted(claim))
        {
            if (!Finalizers.Contains(claim, NetworkingNames.SubnetClaimFinalizer)) return ReconcileResult.Done;
            if (subnet is not null && subnet.Metadata.Labels?.GetValueOrDefault(NetworkingNames.ClaimUidLabel) == uid)
            {
                if (!Finalizers.IsBeingDeleted(subnet)) await DeleteQuietlyAsync(subnets, subnet, ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
            }
            // The subnet is gone (its finalizer released the prefix); release again in case it was never created.
            if (await NetworkOfAsync(client, claim, ct).ConfigureAwait(false) is { } net) await SubnetLedger.ReleaseAsync(client, ns, net, uid, ct).ConfigureAwait(false);
            await ObjectOperations.UpdateAsync(api, ns, name, c => c.Metadata.Uid == uid && Finalizers.Remove(c, NetworkingNames.SubnetClaimFinalizer), ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        if (!Finalizers.Contains(claim, NetworkingNames.SubnetClaimFinalizer))
        {
            claim = await ObjectOperations.UpdateAsync(api, ns, name, c => Finalizers.Add(c, NetworkingNames.SubnetClaimFinalizer), ct).ConfigureAwait(false);
            if (claim is null) return ReconcileResult.Done;
        }
        if (subnet is not null && subnet.Metadata.Labels?.GetValueOrDefault(NetworkingNames.ClaimUidLabel) != uid)
        {
            // A subnet of an earlier claim with this name is still going away.
            return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(500));
        }
        if (subnet is null || Finalizers.IsBeingDeleted(subnet))
        {
            var failure = await AllocateAsync(client, claim, ct).ConfigureAwait(false);
            if (failure is not null)
            {
                await ReportAsync(api, claim, null, failure.Value.Reason, failure.Value.Message, ct).ConfigureAwait(false);
                return failure.Value.Retry is { } after ? ReconcileResult.RequeueAfter(after) : ReconcileResult.Done;
            }
            subnet = await subnets.TryGetAsync(ns, name, ct).ConfigureAwait(false);
        }
        if (subnet is null) return ReconcileResult.Requeue();
        await ReportAsync(api, claim, subnet, null, null, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private async Task<(string Reason, string Message, TimeSpan? Retry)?> AllocateAsync(KubeClient client, SubnetClaimObject claim, CancellationToken ct)
    {
        var ns = claim.Metadata.Namespace!;
        var context = await client.Resource<NetworkContextObject>().TryGetAsync(ns, claim.Spec.NetworkContext.Name, ct).ConfigureAwait(false);
        if (context is null || Finalizers.IsBeingDeleted(context))
        {
            return ("NetworkContextNotFound", $"network context {claim.Spec.NetworkContext.Name} does not exist; bind the network to location {claim.Spec.Location.Name} with a NetworkBinding", null);
        }
        if (context.Spec.Location.Name != claim.Spec.Location.Name)
        {
            return ("LocationMismatch", $"network context {context.Metadata.Name} is in location {context.Spec.Location.Name}, not {claim.Spec.Location.Name}", null);
        }
        var network = await client.Resource<NetworkObject>().TryGetAsync(ns, context.Spec.Network.Name, ct).ConfigureAwait(false);
        if (network is null || Finalizers.IsBeingDeleted(network)) return ("NetworkNotFound", $"network {context.Spec.Network.Name} does not exist or is being deleted", null);
        var v6 = claim.Spec.IpFamily == IpFamilies.IPv6;
        if (!(network.Spec.IpFamilies ?? [IpFamilies.IPv4]).Contains(claim.Spec.IpFamily))
        {
            return ("AddressFamilyNotCarried", $"network {network.Metadata.Name} does not carry {claim.Spec.IpFamily} (spec.ipFamilies: {string.Join(", ", network.Spec.IpFamilies ?? [])})", null);
        }
        var rangeText = v6 ? network.Status?.Ipam?.Ipv6Prefix : network.Spec.Ipam.Ipv4Range ?? NetworkingNames.DefaultIpv4Range;
        if (rangeText is null || !Cidr.TryParse(rangeText, out var range, out _))
        {
            return ("Pending", $"waiting for network {network.Metadata.Name}'s IPv6 prefix", TimeSpan.FromSeconds(1));
        }
        var length = claim.Spec.PrefixLength ?? (v6 ? NetworkingNames.Ipv6SubnetPrefix : NetworkingNames.DefaultIpv4SubnetPrefix);
        Cidr? requested = null;
        if (claim.Spec.StartAddress is { } start)
        {
            if (!Cidr.TryParse($"{start}/{length}", out var want, out var error)) return ("InvalidStartAddress", $"{start}/{length}: {error}", null);
            requested = want;
        }
        var result = await SubnetLedger.AllocateAsync(client, ns, network.Metadata.Name!, range, length, requested, claim, ct).ConfigureAwait(false);
        if (!result.Succeeded) return (result.Reason, result.Message, result.Reason == "RangeExhausted" ? TimeSpan.FromSeconds(30) : null);
        var prefix = result.Prefix!.Value;
        var subnet = new SubnetObject
        {
            Metadata = new ObjectMeta
            {
                Name = claim.Metadata.Name, Namespace = ns,
                Labels = new()
                {
                    [NetworkingNames.NetworkLabel] = network.Metadata.Name!,
                    [NetworkingNames.LocationLabel] = context.Spec.Location.Name,
                    [NetworkingNames.ClaimUidLabel] = claim.Metadata.Uid!,
                },
                Finalizers = [NetworkingNames.SubnetIpamFinalizer],
            },
            Spec = claim.Spec with { StartAddress = prefix.StartAddress.ToString(), PrefixLength = prefix.PrefixLength, NetworkContext = new NameRef { Name = context.Metadata.Name! }, Location = new NameRef { Name = context.Spec.Location.Name } },
        };
        OwnerReferences.SetControllerReference(context, subnet);
        try
        {
            subnet = await client.Resource<SubnetObject>().CreateAsync(subnet, ct: ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            return null;
        }
        await ObjectOperations.UpdateStatusAsync(client.Resource<SubnetObject>(), ns, subnet.Metadata.Name!, s =>
        {
            var status = s.Status ??= new SubnetStatus();
            status.StartAddress = s.Spec.StartAddress;
            status.PrefixLength = s.Spec.PrefixLength;
            Status.Set(status, s, NetworkingConditions.Allocated, true, "PrefixAllocated", $"{prefix} allocated from {range}");
            Status.Set(status, s, NetworkingConditions.Programmed, false, "NotProgrammed", "waiting for the location's provider");
            Status.Set(status, s, NetworkingConditions.Ready, false, "NotProgrammed", "waiting for the location's provider");
            return true;
        }, ct).ConfigureAwait(false);
        return null;
    }

    private static Task<SubnetClaimObject?> ReportAsync(ResourceClient<SubnetClaimObject> api, SubnetClaimObject claim, SubnetObject? subnet, string? reason, string? message, CancellationToken ct) =>
        ObjectOperations.UpdateStatusAsync(api, claim.Metadata.Namespace, claim.Metadata.Name!, c =>
        {
            if (c.Metadata.Uid != claim.Metadata.Uid) return false;
            var status = c.Status ??= new SubnetStatus();
            var before = System.Text.Json.JsonSerializer.Serialize(status, Apis.Networking.V1Alpha.Types.NetworkingJsonContext.Default.SubnetClaimObject.Options);
            if (subnet is null)
            {
                status.SubnetRef = null;
                status.StartAddress = null;
                status.PrefixLength = null;
                Status.Set(status, c, NetworkingConditions.Allocated, false, reason!, message!);
                Status.Set(status, c, NetworkingConditions.Programmed, false, "NotProgrammed", "no subnet yet");
                Status.Set(status, c, NetworkingConditions.Ready, false, reason!, message!);
            }
            else
            {
                status.SubnetRef = new NameRef { Name = subnet.Metadata.Name! };
                status.StartAddress = subnet.Spec.StartAddress;
                status.PrefixLength = subnet.Spec.PrefixLength;
                Status.Set(status, c, NetworkingConditions.Allocated, true, "PrefixAllocated", $"{subnet.Spec.StartAddress}/{subnet.Spec.PrefixLength} allocated");
                var programmed = Status.Get(subnet.Status, NetworkingConditions.Programmed);
                Status.Set(status, c, NetworkingConditions.Programmed, programmed?.Status == "True" ? true : false, programmed?.Reason ?? "NotProgrammed", programmed?.Message ?? "waiting for the location's provider");
                var ready = Status.IsTrue(subnet.Status, NetworkingConditions.Ready);
                Status.Set(status, c, NetworkingConditions.Ready, ready, ready ? "SubnetReady" : "SubnetNotReady", ready ? $"subnet {subnet.Metadata.Name} is ready" : $"subnet {subnet.Metadata.Name} is not ready yet");
            }
            return System.Text.Json.JsonSerializer.Serialize(status, Apis.Networking.V1Alpha.Types.NetworkingJsonContext.Default.SubnetClaimObject.Options) != before;
        }, ct);

    private static async Task<string?> NetworkOfAsync(KubeClient client, SubnetClaimObject claim, CancellationToken ct)
    {
        var context = await client.Resource<NetworkContextObject>().TryGetAsync(claim.Metadata.Namespace, claim.Spec.NetworkContext.Name, ct).ConfigureAwait(false);
        if (context is not null) return context.Spec.Network.Name;
        // The context is gone: find the claim's entry in any ledger of the namespace.
        var ledgers = (await client.Resource<IPAllocationObject>().ListAsync(null, ct: ct).ConfigureAwait(false)).Items;
        return ledgers.FirstOrDefault(l => l.Spec.Allocations?.Any(e => e.Uid == claim.Metadata.Uid) == true)?.Metadata.Labels?.GetValueOrDefault(NetworkingNames.NetworkLabel);
    }

    internal static async Task DeleteQuietlyAsync(ResourceClient<SubnetObject> subnets, SubnetObject subnet, CancellationToken ct)
    {
        try
        {
            await subnets.DeleteAsync(subnet.Metadata.Namespace, subnet.Metadata.Name!, new DeleteOptions { Preconditions = new DeletePreconditions { Uid = subnet.Metadata.Uid } }, ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict)
        {
        }
    }
}

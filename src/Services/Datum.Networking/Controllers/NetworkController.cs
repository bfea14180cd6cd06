using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// Network: keeps the finalizer <c>networking.datumapis.com/network-controller</c>, claims the network's IPv6 /48 from
/// the platform's <c>fd20::/20</c> (a record in the platform, so /48s are unique across every project) and reports
/// <c>IPAMAllocated</c> and <c>Ready</c>. On deletion it deletes the network's contexts, waits until they and their
/// subnets are gone, then drops the subnet ledger and the /48, and removes the finalizer.
/// </summary>
internal sealed class NetworkController(Manager manager) : IReconciler
{
    public static Controller Setup(Manager manager, int workers = 2) => manager.NewController()
        .For<NetworkObject>()
        .Watches<NetworkContextObject>(c => [new ObjectKey(c.Metadata.Namespace, c.Spec.Network.Name)])
        .Named("network")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new NetworkController(manager));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var client = manager.GetCluster(request.Cluster).Client;
        var api = client.Resource<NetworkObject>();
        var network = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (network is null) return ReconcileResult.Done;
        var ns = network.Metadata.Namespace!;
        if (Finalizers.IsBeingDeleted(network))
        {
            if (!Finalizers.Contains(network, NetworkingNames.NetworkFinalizer)) return ReconcileResult.Done;
            var selector = new ListOptions { LabelSelector = $"{NetworkingNames.NetworkLabel}={network.Metadata.Name}" };
            var contexts = (await client.Resource<NetworkContextObject>().ListAsync(ns, selector, ct).ConfigureAwait(false)).Items;
            foreach (var context in contexts.Where(c => !Finalizers.IsBeingDeleted(c)))
            {
                try
                {
                    await client.Resource<NetworkContextObject>().DeleteAsync(ns, context.Metadata.Name!, ct: ct).ConfigureAwait(false);
                }
                catch (ApiStatusException e) when (e.IsNotFound)
                {
                }
            }
            var subnets = (await client.Resource<SubnetObject>().ListAsync(ns, selector, ct).ConfigureAwait(false)).Items;
            if (contexts.Count > 0 || subnets.Count > 0)
            {
                await ObjectOperations.UpdateStatusAsync(api, ns, network.Metadata.Name!, n =>
                    Status.Set(n.Status ??= new NetworkStatus(), n, NetworkingConditions.Ready, false, "Deleting",
                        $"waiting for {contexts.Count} network contexts and {subnets.Count} subnets to be removed"), ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(500));
            }
            await SubnetLedger.DeleteAsync(client, ns, network.Metadata.Name!, ct).ConfigureAwait(false);
            if (network.Status?.Ipam?.Ipv6Prefix is { } v6 && Cidr.TryParse(v6, out var prefix, out _))
            {
                await PrefixRecords.ReleaseAsync(manager.Client.ForCluster(ClusterNames.Root), "ula", prefix, network.Metadata.Uid!, ct).ConfigureAwait(false);
            }
            await ObjectOperations.UpdateAsync(api, ns, network.Metadata.Name!, n => Finalizers.Remove(n, NetworkingNames.NetworkFinalizer), ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        if (!Finalizers.Contains(network, NetworkingNames.NetworkFinalizer))
        {
            network = await ObjectOperations.UpdateAsync(api, ns, network.Metadata.Name!, n => Finalizers.Add(n, NetworkingNames.NetworkFinalizer), ct).ConfigureAwait(false);
            if (network is null) return ReconcileResult.Done;
        }
        var v6Prefix = network.Status?.Ipam?.Ipv6Prefix;
        var result = default(AllocationResult);
        if (v6Prefix is null)
        {
            Cidr? requested = network.Spec.Ipam.Ipv6Range is { } r && Cidr.TryParse(r, out var want, out _) ? want : null;
            result = await PrefixRecords.ClaimAsync(manager.Client.ForCluster(ClusterNames.Root), "ula", Cidr.Parse(NetworkingNames.Ipv6Pool), 48,
                new AllocationOwner { Cluster = request.Cluster, Kind = "Network", Namespace = ns, Name = network.Metadata.Name, Uid = network.Metadata.Uid },
                requested, ct: ct).ConfigureAwait(false);
            v6Prefix = result.Prefix?.ToString();
        }
        await ObjectOperations.UpdateStatusAsync(api, ns, network.Metadata.Name!, n =>
        {
            if (n.Metadata.Uid != network.Metadata.Uid) return false;
            var status = n.Status ??= new NetworkStatus();
            var changed = false;
            if (v6Prefix is not null && (status.Ipam?.Ipv6Prefix != v6Prefix || status.Ipam?.Ipv4Range != n.Spec.Ipam.Ipv4Range))
            {
                status.Ipam = new NetworkStatusIpam { Ipv4Range = n.Spec.Ipam.Ipv4Range, Ipv6Prefix = v6Prefix };
                changed = true;
            }
            if (v6Prefix is not null)
            {
                changed |= Status.Set(status, n, NetworkingConditions.IpamAllocated, true, "Allocated", $"IPv4 {n.Spec.Ipam.Ipv4Range}, IPv6 {v6Prefix}");
                changed |= Status.Set(status, n, NetworkingConditions.Ready, true, "Ready", "the network is ready");
            }
            else
            {
                changed |= Status.Set(status, n, NetworkingConditions.IpamAllocated, false, result?.Reason ?? "Pending", result?.Message ?? "allocating");
                changed |= Status.Set(status, n, NetworkingConditions.Ready, false, result?.Reason ?? "Pending", result?.Message ?? "allocating");
            }
            return changed;
        }, ct).ConfigureAwait(false);
        return v6Prefix is null ? ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)) : ReconcileResult.Done;
    }
}

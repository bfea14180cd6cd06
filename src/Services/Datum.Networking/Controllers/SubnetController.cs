using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Ipam;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// Subnet: <c>Ready</c> follows the provider's <c>Programmed</c>; on deletion (its claim went, or its context did)
/// the prefix returns to the network's ledger, and the subnet's interface address blocks are deleted, before the
/// finalizer <c>subnet-ipam-release</c> is removed.
/// </summary>
internal sealed class SubnetController(Manager manager, AddressBlockAllocator allocator) : IReconciler
{
    public static Controller Setup(Manager manager, AddressBlockAllocator allocator, int workers = 4) => manager.NewController()
        .For<SubnetObject>()
        .Named("subnet")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new SubnetController(manager, allocator));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var client = manager.GetCluster(request.Cluster).Client;
        var api = client.Resource<SubnetObject>();
        var subnet = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (subnet is null) return ReconcileResult.Done;
        if (Finalizers.IsBeingDeleted(subnet))
        {
            if (!Finalizers.Contains(subnet, NetworkingNames.SubnetIpamFinalizer)) return ReconcileResult.Done;
            if (subnet.Metadata.Labels?.GetValueOrDefault(NetworkingNames.NetworkLabel) is { } network &&
                subnet.Metadata.Labels?.GetValueOrDefault(NetworkingNames.ClaimUidLabel) is { } claimUid)
            {
                await SubnetLedger.ReleaseAsync(client, subnet.Metadata.Namespace!, network, claimUid, ct).ConfigureAwait(false);
            }
            // Interface addresses were allocated in blocks named after the subnet's uid: they go with it.
            await allocator.DeletePoolAsync(client, subnet.Metadata.Uid!, ct).ConfigureAwait(false);
            await ObjectOperations.UpdateAsync(api, subnet.Metadata.Namespace, subnet.Metadata.Name!, s =>
                s.Metadata.Uid == subnet.Metadata.Uid && Finalizers.Remove(s, NetworkingNames.SubnetIpamFinalizer), ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        var programmed = Status.Get(subnet.Status, NetworkingConditions.Programmed);
        if (subnet.Status is null || !Status.IsTrue(subnet.Status, NetworkingConditions.Allocated)) return ReconcileResult.Done;
        await ObjectOperations.UpdateStatusAsync(api, subnet.Metadata.Namespace, subnet.Metadata.Name!, s =>
        {
            var ready = programmed?.Status == "True";
            return Status.Set(s.Status ??= new SubnetStatus(), s, NetworkingConditions.Ready, ready, ready ? "Ready" : programmed?.Reason ?? "NotProgrammed",
                ready ? "programmed by the provider" : programmed?.Message ?? "waiting for the location's provider");
        }, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }
}

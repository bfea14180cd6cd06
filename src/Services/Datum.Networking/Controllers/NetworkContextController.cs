using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// NetworkContext: reference counting and readiness. A context no binding needs any more is deleted; its subnets go
/// with it through owner references. Otherwise <c>Ready</c> follows the provider's <c>Programmed</c>. Bindings are
/// counted in the informer's cache; only when that count is zero are they counted again with an uncached list before
/// deleting, so a binding just created is never missed (and a busy plane does not list every binding on each change).
/// </summary>
internal sealed class NetworkContextController(Manager manager) : IReconciler
{
    public static Controller Setup(Manager manager, int workers = 2) => manager.NewController()
        .For<NetworkContextObject>()
        .Watches<NetworkBindingObject>(b => [new ObjectKey(b.Spec.Network.Namespace ?? b.Metadata.Namespace, NetworkingNames.ContextName(b.Spec.Network.Name, b.Spec.Location.Name))])
        .Named("networkcontext")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new NetworkContextController(manager));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var client = manager.GetCluster(request.Cluster).Client;
        var api = client.Resource<NetworkContextObject>();
        var context = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (context is null || Finalizers.IsBeingDeleted(context)) return ReconcileResult.Done;
        bool Needs(NetworkBindingObject b) => !Finalizers.IsBeingDeleted(b) && (b.Spec.Network.Namespace ?? b.Metadata.Namespace) == context.Metadata.Namespace
                        && b.Spec.Network.Name == context.Spec.Network.Name && b.Spec.Location.Name == context.Spec.Location.Name;
        var bindings = manager.GetCluster(request.Cluster).Informers.For<NetworkBindingObject>().Cache.List().Count(Needs);
        if (bindings == 0) bindings = (await client.Resource<NetworkBindingObject>().ListAsync(null, ct: ct).ConfigureAwait(false)).Items.Count(Needs);
        if (bindings == 0)
        {
            try
            {
                await api.DeleteAsync(context.Metadata.Namespace, context.Metadata.Name!, new DeleteOptions { Preconditions = new DeletePreconditions { Uid = context.Metadata.Uid } }, ct).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict)
            {
            }
            return ReconcileResult.Done;
        }
        var programmed = Status.Get(context.Status, NetworkingConditions.Programmed);
        await ObjectOperations.UpdateStatusAsync(api, context.Metadata.Namespace, context.Metadata.Name!, c =>
        {
            var status = c.Status ??= new ConditionsStatus();
            var changed = false;
            if (programmed is null)
            {
                changed |= Status.Set(status, c, NetworkingConditions.Programmed, false, "NotProgrammed", "waiting for the location's provider");
            }
            var ready = programmed?.Status == "True" && programmed.ObservedGeneration == c.Metadata.Generation;
            changed |= ready
                ? Status.Set(status, c, NetworkingConditions.Ready, true, "Ready", $"{bindings} bindings; programmed by the provider")
                : Status.Set(status, c, NetworkingConditions.Ready, false, programmed?.Reason ?? "NotProgrammed", programmed?.Message ?? "waiting for the location's provider");
            return changed;
        }, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }
}

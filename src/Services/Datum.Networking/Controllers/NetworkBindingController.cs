using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// NetworkBinding: ensures the shared NetworkContext <c>{network}-{location}</c> (owned by the Network, labelled with
/// network, location and network uid, with the network's families and MTU projected) and reports <c>Ready</c>
/// (<c>NetworkNotFound</c>, <c>LocationNotAvailable</c>, <c>NetworkContextNotReady</c>, <c>NetworkContextReady</c>).
/// The context lives while any binding needs it; the context controller deletes it when the last binding goes.
/// </summary>
internal sealed class NetworkBindingController(Manager manager) : IReconciler
{
    public static Controller Setup(Manager manager, int workers = 2) => manager.NewController()
        .For<NetworkBindingObject>()
        .Watches<NetworkContextObject>(c => BindingsOf(manager, c))
        .Watches<NetworkObject>(n => manager.Clusters.SelectMany(cluster => cluster.Informers.For<NetworkBindingObject>().Cache.List(n.Metadata.Namespace!))
            .Where(b => b.Spec.Network.Name == n.Metadata.Name && (b.Spec.Network.Namespace ?? b.Metadata.Namespace) == n.Metadata.Namespace).Select(ObjectKey.Of).Distinct())
        .Named("networkbinding")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new NetworkBindingController(manager));

    private static IEnumerable<ObjectKey> BindingsOf(Manager manager, NetworkContextObject context) =>
        manager.Clusters.SelectMany(cluster => cluster.Informers.For<NetworkBindingObject>().Cache.List(context.Metadata.Namespace!))
            .Where(b => NetworkingNames.ContextName(b.Spec.Network.Name, b.Spec.Location.Name) == context.Metadata.Name)
            .Select(ObjectKey.Of).Distinct();

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var client = manager.GetCluster(request.Cluster).Client;
        var api = client.Resource<NetworkBindingObject>();
        var binding = await api.TryGetAsync(request.Namespace, request.Name, ct).ConfigureAwait(false);
        if (binding is null || Finalizers.IsBeingDeleted(binding)) return ReconcileResult.Done;
        var networkNs = binding.Spec.Network.Namespace ?? binding.Metadata.Namespace!;
        var network = await client.Resource<NetworkObject>().TryGetAsync(networkNs, binding.Spec.Network.Name, ct).ConfigureAwait(false);
        if (network is null || Finalizers.IsBeingDeleted(network))
        {
            await SetReadyAsync(api, binding, false, "NetworkNotFound",
                network is null ? $"network {networkNs}/{binding.Spec.Network.Name} does not exist" : $"network {networkNs}/{binding.Spec.Network.Name} is being deleted", null, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        var location = await manager.Client.ForCluster(ClusterNames.Root).Resource<LocationObject>().TryGetAsync(null, binding.Spec.Location.Name, ct).ConfigureAwait(false);
        if (location is null)
        {
            await SetReadyAsync(api, binding, false, "LocationNotAvailable", $"location {binding.Spec.Location.Name} does not exist", null, ct).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30));
        }
        var name = NetworkingNames.ContextName(network.Metadata.Name!, location.Metadata.Name!);
        var desired = new NetworkContextObject { Metadata = new ObjectMeta { Name = name, Namespace = networkNs } };
        var (_, context) = await ObjectOperations.CreateOrUpdateAsync(client.Resource<NetworkContextObject>(), desired, c =>
        {
            c.Metadata.Labels ??= [];
            c.Metadata.Labels[NetworkingNames.NetworkLabel] = network.Metadata.Name!;
            c.Metadata.Labels[NetworkingNames.LocationLabel] = location.Metadata.Name!;
            c.Metadata.Labels[NetworkingNames.NetworkUidLabel] = network.Metadata.Uid!;
            OwnerReferences.SetControllerReference(network, c);
            c.Spec.Network = new NameRef { Name = network.Metadata.Name! };
            c.Spec.Location = new NameRef { Name = location.Metadata.Name! };
            c.Spec.IpFamilies = network.Spec.IpFamilies is { } f ? [.. f] : ["IPv4"];
            c.Spec.Mtu = network.Spec.Mtu ?? NetworkingNames.DefaultMtu;
            c.Spec.NetworkGeneration = network.Metadata.Generation;
        }, ct).ConfigureAwait(false);
        var contextRef = new NameRef { Name = name, Namespace = networkNs };
        if (Status.IsTrue(context.Status, NetworkingConditions.Ready))
        {
            await SetReadyAsync(api, binding, true, "NetworkContextReady", $"network context {name} is ready", contextRef, ct).ConfigureAwait(false);
        }
        else
        {
            var programmed = Status.Get(context.Status, NetworkingConditions.Programmed);
            var failed = programmed is { Status: "False" } && programmed.Reason is not ("NotProgrammed" or "ProgrammingInProgress");
            await SetReadyAsync(api, binding, false, failed ? "NetworkFailedToCreate" : "NetworkContextNotReady",
                programmed is null ? $"network context {name} is not ready" : $"network context {name} is not ready: {programmed.Message}", contextRef, ct).ConfigureAwait(false);
        }
        return ReconcileResult.Done;
    }

    private static Task<NetworkBindingObject?> SetReadyAsync(ResourceClient<NetworkBindingObject> api, NetworkBindingObject binding, bool ready, string reason, string message, NameRef? contextRef, CancellationToken ct) =>
        ObjectOperations.UpdateStatusAsync(api, binding.Metadata.Namespace, binding.Metadata.Name!, b =>
        {
            var status = b.Status ??= new NetworkBindingStatus();
            var changed = false;
            if (contextRef is not null && status.NetworkContextRef != contextRef)
            {
                status.NetworkContextRef = contextRef;
                changed = true;
            }
            return Status.Set(status, b, NetworkingConditions.Ready, ready, reason, message) | changed;
        }, ct);
}

using Datum.Networking.Admission;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Server.Hosting;
using Datum.Server.Registry;
using Datum.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Datum.Networking;

/// <summary>
/// The networking service: <c>networking.datumapis.com/v1alpha</c> Location, Network, NetworkBinding, NetworkContext,
/// SubnetClaim, Subnet, NetworkPolicy and the IPAM's IPAllocation; admission that reads other objects. Its controllers
/// run on Datum.Runtime (<see cref="Controllers.NetworkingControllers"/>), registered in the controller catalog.
/// </summary>
public static class NetworkingService
{
    /// <summary>Adds networking to a server's options.</summary>
    public static DatumServerOptions AddNetworking(this DatumServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Modules = [.. options.Modules, new NetworkingModule()] };
    }
}

/// <summary>The <see cref="IServerModule"/> behind <see cref="NetworkingService.AddNetworking"/>.</summary>
internal sealed class NetworkingModule : IServerModule
{
    /// <summary>Every kind of the service.</summary>
    public static IReadOnlyList<ResourceDefinition> Kinds { get; } =
    [
        Location.Definition, Network.Definition, NetworkBinding.Definition, NetworkContext.Definition,
        SubnetClaim.Definition, Subnet.Definition, NetworkInterfaceClaim.Definition, NetworkInterface.Definition, NetworkPolicy.Definition,
        IPAllocation.Definition,
    ];

    /// <inheritdoc />
    public void AddKinds(ResourceCatalog catalog)
    {
        foreach (var kind in Kinds) catalog.Add(kind);
    }

    /// <inheritdoc />
    public IEnumerable<IAdmissionPlugin> CreateAdmissionPlugins(IRevisionedStore storage, ResourceCatalog catalog) => [new NetworkingAdmission(storage)];

    /// <inheritdoc />
    public void AddServices(IServiceCollection services)
    {
    }
}

using Datum.Networking.Ipam;
using Datum.Networking.Provider;
using Datum.Runtime.Hosting;

namespace Datum.Networking.Controllers;

/// <summary>
/// The networking controllers, for the controller catalog. They run in every engaged control plane; use a
/// <see cref="Datum.Runtime.Clusters.ProjectClusterProvider"/> so project planes are engaged.
/// </summary>
public static class NetworkingControllers
{
    /// <summary>
    /// Network, NetworkBinding, NetworkContext, SubnetClaim (8 workers), Subnet, NetworkInterfaceClaim (8 workers) and
    /// NetworkInterface controllers; the interface controllers share one <see cref="AddressBlockAllocator"/>.
    /// </summary>
    public static void Setup(Manager manager, int claimWorkers = 8)
    {
        var allocator = new AddressBlockAllocator();
        NetworkController.Setup(manager);
        NetworkBindingController.Setup(manager);
        NetworkContextController.Setup(manager);
        SubnetClaimController.Setup(manager, claimWorkers);
        SubnetController.Setup(manager, allocator);
        NetworkInterfaceClaimController.Setup(manager, allocator, claimWorkers);
        NetworkInterfaceController.Setup(manager, allocator);
    }

    /// <summary>The simulated provider's networking half.</summary>
    public static void SetupSimulatedProvider(Manager manager, SimulatedProviderOptions? options = null) => SimulatedNetworkProvider.Setup(manager, options);
}

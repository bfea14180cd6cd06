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
    /// Network, NetworkBinding, NetworkContext, SubnetClaim (8 workers), Subnet, NetworkInterfaceClaim
    /// (<paramref name="interfaceClaimWorkers"/>) and NetworkInterface (16 workers) controllers; the interface controllers
    /// share one <see cref="AddressBlockAllocator"/>. A claim's reconcile waits for two commits (its addresses' block,
    /// then the interface): with 8 workers the claims were the compute benchmark's bottleneck at ~200 instances/s.
    /// </summary>
    public static void Setup(Manager manager, int interfaceClaimWorkers = 32)
    {
        var allocator = new AddressBlockAllocator();
        NetworkController.Setup(manager);
        NetworkBindingController.Setup(manager);
        NetworkContextController.Setup(manager);
        SubnetClaimController.Setup(manager);
        SubnetController.Setup(manager, allocator);
        NetworkInterfaceClaimController.Setup(manager, allocator, interfaceClaimWorkers);
        NetworkInterfaceController.Setup(manager, allocator);
    }

    /// <summary>The simulated provider's networking half.</summary>
    public static void SetupSimulatedProvider(Manager manager, SimulatedProviderOptions? options = null) => SimulatedNetworkProvider.Setup(manager, options);
}

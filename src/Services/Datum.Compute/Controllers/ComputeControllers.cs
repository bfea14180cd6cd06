using Datum.Compute.Provider;
using Datum.Networking.Provider;
using Datum.Runtime.Hosting;

namespace Datum.Compute.Controllers;

/// <summary>
/// The compute controllers, for the controller catalog. They run in every engaged control plane (use a
/// <see cref="Datum.Runtime.Clusters.ProjectClusterProvider"/> so project planes are engaged).
/// </summary>
public static class ComputeControllers
{
    /// <summary>Workload, WorkloadDeployment and Instance controllers.</summary>
    public static void Setup(Manager manager, int deploymentWorkers = 16, int instanceWorkers = 8)
    {
        WorkloadController.Setup(manager);
        WorkloadDeploymentController.Setup(manager, deploymentWorkers);
        InstanceController.Setup(manager, instanceWorkers);
    }

    /// <summary>The simulated provider's compute half.</summary>
    public static void SetupSimulatedProvider(Manager manager, SimulatedProviderOptions? options = null, int workers = 16) => SimulatedComputeProvider.Setup(manager, options, workers);
}

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
    /// <summary>
    /// Workload, WorkloadDeployment and Instance controllers. Deployments and instances get 32 workers each: their
    /// reconciles mostly wait for a commit, and every deployment's OrderedReady chain waits on them (with 16 and 8 the
    /// 10,000-instance benchmark queued behind busy workers while the CPUs were half idle).
    /// </summary>
    public static void Setup(Manager manager, int deploymentWorkers = 32, int instanceWorkers = 32)
    {
        WorkloadController.Setup(manager);
        WorkloadDeploymentController.Setup(manager, deploymentWorkers);
        InstanceController.Setup(manager, instanceWorkers);
    }

    /// <summary>The simulated provider's compute half.</summary>
    public static void SetupSimulatedProvider(Manager manager, SimulatedProviderOptions? options = null, int workers = 32) => SimulatedComputeProvider.Setup(manager, options, workers);
}

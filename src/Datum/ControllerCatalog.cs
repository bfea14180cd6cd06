using Datum.Networking.Controllers;
using Datum.Networking.Provider;
using Datum.Runtime.Hosting;

namespace Datum.Cli;

/// <summary>
/// Every controller the product ships, for <c>datum up</c> and <c>datum controllers</c>. Services add theirs here
/// (<c>registry.Add("projects", ProjectController.Setup)</c>). The namespace lifecycle controller is part of the
/// API server itself and runs in <c>datum up</c> and <c>datum server</c>.
/// </summary>
internal static class ControllerCatalog
{
    public static ControllerRegistry Create() => new ControllerRegistry()
        .Add("networking", m => NetworkingControllers.Setup(m))
        .Add("simulated-provider", m => NetworkingControllers.SetupSimulatedProvider(m, SimulatedProviderOptions.FromEnvironment()));
}

using Datum.Server.Registry;
using Datum.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Datum.Server.Hosting;

/// <summary>
/// A service (ResourceManager, IAM, …) plugged into the server: its kinds, admission plugins, and the in-process
/// parts it runs (controllers as hosted services, an <see cref="Tenancy.IControlPlaneRouter"/>). The server calls
/// <see cref="AddKinds"/>, then <see cref="CreateAdmissionPlugins"/>, then <see cref="AddServices"/>, once each, in
/// the order the modules are listed.
/// </summary>
public interface IServerModule
{
    /// <summary>Declares the module's kinds.</summary>
    void AddKinds(ResourceCatalog catalog);

    /// <summary>The module's admission plugins, run for every write after the kind's strategy, in order.</summary>
    IEnumerable<IAdmissionPlugin> CreateAdmissionPlugins(IRevisionedStore storage, ResourceCatalog catalog);

    /// <summary>Registers hosted services (controllers) and other services the server resolves.</summary>
    void AddServices(IServiceCollection services);
}

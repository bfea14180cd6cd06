using Datum.Compute.Admission;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Server.Hosting;
using Datum.Server.Registry;
using Datum.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Datum.Compute;

/// <summary>
/// The compute service: <c>compute.datumapis.com/v1alpha</c> Workload, WorkloadDeployment and Instance; admission that
/// checks city codes against the platform's Locations. Its controllers run on Datum.Runtime
/// (<see cref="Controllers.ComputeControllers"/>), registered in the controller catalog. Needs networking.
/// </summary>
public static class ComputeService
{
    /// <summary>Adds compute to a server's options.</summary>
    public static DatumServerOptions AddCompute(this DatumServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Modules = [.. options.Modules, new ComputeModule()] };
    }
}

/// <summary>The <see cref="IServerModule"/> behind <see cref="ComputeService.AddCompute"/>.</summary>
internal sealed class ComputeModule : IServerModule
{
    /// <summary>Every kind of the service.</summary>
    public static IReadOnlyList<ResourceDefinition> Kinds { get; } = [Workload.Definition, WorkloadDeployment.Definition, Instance.Definition];

    /// <inheritdoc />
    public void AddKinds(ResourceCatalog catalog)
    {
        foreach (var kind in Kinds) catalog.Add(kind);
    }

    /// <inheritdoc />
    public IEnumerable<IAdmissionPlugin> CreateAdmissionPlugins(IRevisionedStore storage, ResourceCatalog catalog) => [new ComputeAdmission(storage)];

    /// <inheritdoc />
    public void AddServices(IServiceCollection services)
    {
    }
}

using Datum.ResourceManager.Admission.ResourceManager;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Controllers.Iam;
using Datum.ResourceManager.Controllers.ResourceManager;
using Datum.ResourceManager.Tenancy;
using Datum.Server.Hosting;
using Datum.Server.Registry;
using Datum.Server.Tenancy;
using Datum.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.ResourceManager;

/// <summary>
/// The resource manager service: Organization, Project, OrganizationMembership (and a minimal IAM User), their
/// admission (owner defaulting, project quota), organization and project control planes, and the controllers.
/// </summary>
public static class ResourceManagerService
{
    /// <summary>Adds the resource manager to a server's options.</summary>
    public static DatumServerOptions AddResourceManager(this DatumServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Modules = [.. options.Modules, new ResourceManagerModule()] };
    }
}

/// <summary>The <see cref="IServerModule"/> behind <see cref="ResourceManagerService.AddResourceManager"/>.</summary>
internal sealed class ResourceManagerModule : IServerModule
{
    /// <inheritdoc />
    public void AddKinds(ResourceCatalog catalog)
    {
        catalog.Add(Organization.Definition);
        catalog.Add(Project.Definition);
        catalog.Add(OrganizationMembership.Definition);
        // The IAM service will own User; until it lands this minimal one is served here.
        if (catalog.Find(User.Group, User.Definition.Version, User.Definition.Plural) is null) catalog.Add(User.Definition);
    }

    /// <inheritdoc />
    public IEnumerable<IAdmissionPlugin> CreateAdmissionPlugins(IRevisionedStore storage, ResourceCatalog catalog) =>
        [new OrganizationAdmission(), new ProjectAdmission(storage), new ProjectQuotaAdmission(storage)];

    /// <inheritdoc />
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IControlPlaneRouter>(sp => new ResourceManagerRouter(sp.GetRequiredService<ResourceStore>().Storage));
        AddController(services, "project-controller", 4, (client, sp) =>
            new ProjectController(client, new ControlPlanePurger(client, sp.GetRequiredService<ResourceCatalog>()), TimeProvider.System), ProjectController.Sources);
        AddController(services, "organization-controller", 2, (client, sp) =>
            new OrganizationController(client, new ControlPlanePurger(client, sp.GetRequiredService<ResourceCatalog>()), TimeProvider.System), OrganizationController.Sources);
        AddController(services, "organization-membership-controller", 2, (client, sp) => new OrganizationMembershipController(client, TimeProvider.System, sp.GetRequiredService<ResourceCatalog>()),
            null);
        AddController(services, "personal-organization-controller", 2, (client, _) => new PersonalOrganizationController(client), PersonalOrganizationController.Sources);
    }

    private static void AddController(IServiceCollection services, string name, int workers, Func<StoreClient, IServiceProvider, IReconciler> create, IReadOnlyList<WatchSource>? sources)
    {
        // Not AddHostedService: it de-duplicates by implementation type, and every controller is a ControllerLoop.
        services.AddSingleton<IHostedService>(sp =>
        {
            var store = sp.GetRequiredService<ResourceStore>();
            var client = new StoreClient(store, name);
            return new ControllerLoop(name, create(client, sp), sources ?? OrganizationMembershipController.SourcesFor(store.Storage), store,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Datum.ResourceManager." + name), workers);
        });
    }
}

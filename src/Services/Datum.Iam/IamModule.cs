using Datum.Iam.Admission;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Iam.Authorization;
using Datum.Iam.Bootstrap;
using Datum.Iam.Controllers;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.Server.Authorization;
using Datum.Server.Hosting;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Iam;

/// <summary>
/// The IAM service: <c>iam.miloapis.com/v1alpha1</c> ProtectedResource, Role, PolicyBinding, Group, GroupMembership,
/// UserInvitation, ServiceAccount, UserPreference, UserDeactivation (User stays with the resource manager), the
/// authorizer that replaces the allow-all default, the validator refusing Inactive service accounts and users,
/// escalation prevention, the shipped roles and protected resources, and the controllers.
/// </summary>
public static class IamService
{
    /// <summary>Adds IAM to a server's options (with the resource manager, which it builds on).</summary>
    public static DatumServerOptions AddIam(this DatumServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Modules = [.. options.Modules, new IamModule()] };
    }
}

/// <summary>The <see cref="IServerModule"/> behind <see cref="IamService.AddIam"/>.</summary>
internal sealed class IamModule : IServerModule, IAuthorizerProvider
{
    private readonly PolicyGraph _graph = new();
    private IamAuthorizer? _authorizer;
    private IRevisionedStore? _storage;

    /// <summary>The authorizer, once the server created it.</summary>
    public IamAuthorizer? Authorizer => _authorizer;

    /// <inheritdoc />
    public IAuthorizer CreateAuthorizer(IRevisionedStore storage, ResourceCatalog catalog)
    {
        _storage = storage;
        _authorizer = new IamAuthorizer(_graph, catalog);
        return _authorizer;
    }

    /// <inheritdoc />
    public void AddKinds(ResourceCatalog catalog)
    {
        catalog.Add(ProtectedResource.Definition);
        catalog.Add(Role.Definition);
        catalog.Add(PolicyBinding.Definition);
        catalog.Add(Group.Definition);
        catalog.Add(GroupMembership.Definition);
        catalog.Add(UserInvitation.Definition);
        catalog.Add(ServiceAccount.Definition);
        catalog.Add(UserPreference.Definition);
        catalog.Add(UserDeactivation.Definition);
    }

    /// <inheritdoc />
    public IEnumerable<IAdmissionPlugin> CreateAdmissionPlugins(IRevisionedStore storage, ResourceCatalog catalog) =>
        [new EscalationAdmission(() => _authorizer)];

    /// <inheritdoc />
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(_graph);
        services.AddSingleton<IUserValidator>(new IamUserValidator(_graph));
        // The graph is complete before the server serves: the feeder lists synchronously, then watches.
        services.AddSingleton(sp => new PolicyGraphFeeder(_graph, _storage ?? sp.GetRequiredService<ResourceStore>().Storage, sp.GetRequiredService<ILogger<PolicyGraphFeeder>>()));
        services.AddSingleton<IHostedService>(sp => new FeederStarter(sp.GetRequiredService<PolicyGraphFeeder>()));
        services.AddSingleton<IHostedService, ShippedPolicyApplier>();
        AddController(services, "iam-role-controller", 2, (client, sp) => new RoleController(client, _graph, TimeProvider.System), RoleController.Sources);
        AddController(services, "iam-policybinding-controller", 2,
            (client, sp) => new PolicyBindingController(client, sp.GetRequiredService<ResourceCatalog>(), TimeProvider.System), PolicyBindingController.Sources);
        AddController(services, "iam-serviceaccount-controller", 1, (client, _) => new ServiceAccountController(client, TimeProvider.System), ServiceAccountController.Sources);
        AddController(services, "iam-user-controller", 1, (client, _) => new UserController(client, TimeProvider.System), UserController.Sources);
        AddController(services, "iam-userinvitation-controller", 2, (client, _) => new UserInvitationController(client, TimeProvider.System), _ => UserInvitationController.Sources);
    }

    private static void AddController(IServiceCollection services, string name, int workers, Func<StoreClient, IServiceProvider, IReconciler> create, Func<ResourceStore, IReadOnlyList<WatchSource>> sources)
    {
        services.AddSingleton<IHostedService>(sp =>
        {
            var store = sp.GetRequiredService<ResourceStore>();
            var client = new StoreClient(store, name);
            return new ControllerLoop(name, create(client, sp), sources(store), store, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Datum.Iam." + name), workers);
        });
    }

    /// <summary>Loads the graph in StartAsync (so before requests are served), then runs the feeder's watch.</summary>
    private sealed class FeederStarter(PolicyGraphFeeder feeder) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await feeder.LoadAsync(cancellationToken).ConfigureAwait(false);
            await feeder.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        public Task StopAsync(CancellationToken cancellationToken) => feeder.StopAsync(cancellationToken);
    }
}

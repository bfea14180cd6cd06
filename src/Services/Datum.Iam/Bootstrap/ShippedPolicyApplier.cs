using System.Text.Json.Nodes;
using System.Threading.Channels;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.Server.Registry;
using Datum.Server.Tenancy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Iam.Bootstrap;

/// <summary>
/// Applies <see cref="ShippedPolicy"/> in the platform at start (before the server serves) and again whenever the
/// catalog changes (a CRD adds a kind): creates what is missing and puts back the spec of shipped objects that differ.
/// Objects are never deleted, so a kind that goes away keeps its ProtectedResource.
/// </summary>
internal sealed partial class ShippedPolicyApplier(ResourceStore store, ResourceCatalog catalog, ILogger<ShippedPolicyApplier> logger) : BackgroundService
{
    private readonly StoreClient _client = new(store, "iam-bootstrap");
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ControlPlaneBootstrap.EnsureNamespacesAsync(store, StorageKeys.RootCluster, [IamNames.ServiceRolesNamespace, IamNames.OrganizationRolesNamespace], cancellationToken).ConfigureAwait(false);
        await ApplyAsync(cancellationToken).ConfigureAwait(false);
        catalog.Changed += OnChanged;
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        catalog.Changed -= OnChanged;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnChanged() => _changes.Writer.TryWrite(true);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _changes.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await ApplyAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (ApiException e)
                {
                    LogFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Applies every shipped object once.</summary>
    public async Task ApplyAsync(CancellationToken ct)
    {
        foreach (var kind in ShippedPolicy.ProtectedKinds(catalog).ToList())
        {
            await EnsureAsync(ProtectedResource.Definition, null, ShippedPolicy.ProtectedResourceFor(kind), ct).ConfigureAwait(false);
        }
        foreach (var role in ShippedPolicy.Roles(catalog).ToList())
        {
            await EnsureAsync(Role.Definition, ObjectFields.Namespace(role), role, ct).ConfigureAwait(false);
        }
        foreach (var binding in ShippedPolicy.Bindings())
        {
            await EnsureAsync(PolicyBinding.Definition, ObjectFields.Namespace(binding), binding, ct).ConfigureAwait(false);
        }
    }

    private async Task EnsureAsync(ResourceDefinition definition, string? ns, JsonObject desired, CancellationToken ct)
    {
        var name = ObjectFields.Name(desired)!;
        var current = await _client.GetAsync(definition, StorageKeys.RootCluster, ns, name, ct).ConfigureAwait(false);
        if (current is null)
        {
            await _client.CreateIfMissingAsync(definition, StorageKeys.RootCluster, ns, desired, ct).ConfigureAwait(false);
            return;
        }
        if (JsonNode.DeepEquals(current["spec"], desired["spec"]) || definition == PolicyBinding.Definition) return;
        await _client.UpdateAsync(definition, StorageKeys.RootCluster, ns, name, obj =>
        {
            obj["spec"] = desired["spec"]!.DeepClone();
            return obj;
        }, ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "applying the shipped IAM policy failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

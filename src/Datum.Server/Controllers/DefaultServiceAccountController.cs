using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Builtins;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Controllers;

/// <summary>
/// Gives every active namespace a <c>default</c> ServiceAccount, like kube-controller-manager's serviceaccount
/// controller: it creates one when a namespace appears and again when someone deletes it. Level-triggered: it
/// watches namespaces and service accounts of every control plane (one watch of <c>/registry/</c>), and on each
/// event re-reads the namespace and its account in the cluster the key names.
/// </summary>
internal sealed partial class DefaultServiceAccountController(ResourceStore store, ILogger<DefaultServiceAccountController> logger)
    : BackgroundService
{
    private static readonly UserInfo Controller = new(
        "system:serviceaccount:kube-system:service-account-controller", null, [WellKnownGroups.SystemMasters, WellKnownGroups.SystemAuthenticated]);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly RetryingKeyQueue _work = new("default-service-account", RetryDelay, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var worker = _work.RunAsync(async (key, ct) => { await EnsureDefaultAsync(key, ct).ConfigureAwait(false); return true; }, stoppingToken);
        var watch = WatchAsync("/registry/", OnChange, stoppingToken);
        await Task.WhenAll(watch, worker).ConfigureAwait(false);
    }

    private void OnChange(StorageEventType type, string key)
    {
        if (StorageKeys.ClusterOf(key) is not { } cluster) return;
        if (NamespaceLifecycleController.IsNamespaceKey(key))
        {
            _work.Add(key);
            return;
        }

        // Key: /registry/{cluster}/core/serviceaccounts/{ns}/{name}; only a deleted default account needs work.
        var accounts = StorageKeys.ResourcePrefix(cluster, ServiceAccountKind.Definition);
        if (type != StorageEventType.Deleted || !key.StartsWith(accounts, StringComparison.Ordinal) || StorageKeys.NameOf(key) != ServiceAccountKind.DefaultName)
        {
            return;
        }

        var parent = key[..key.LastIndexOf('/')];
        _work.Add(StorageKeys.ObjectKey(cluster, NamespaceKind.Definition, null, StorageKeys.NameOf(parent)));
    }

    private async Task WatchAsync(string prefix, Action<StorageEventType, string> onEvent, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var page = await store.Storage.ListAsync(prefix, new ListRequest(), stoppingToken).ConfigureAwait(false);
                foreach (var item in page.Items)
                {
                    onEvent(StorageEventType.Created, item.Key);
                }

                try
                {
                    await using var watch = await store.Storage.WatchAsync(prefix, page.Revision, stoppingToken).ConfigureAwait(false);
                    await foreach (var change in watch.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                    {
                        onEvent(change.Type, change.Key);
                    }
                }
                catch (StorageException)
                {
                    // Fell behind or history compacted: relist and watch again.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task EnsureDefaultAsync(string nsKey, CancellationToken ct)
    {
        var cluster = StorageKeys.ClusterOf(nsKey)!;
        var ns = StorageKeys.NameOf(nsKey);
        if (await store.Storage.GetAsync(nsKey, ct).ConfigureAwait(false) is not { } stored
            || ObjectFields.MetaString(ObjectEncoding.Decode(stored.Value), "deletionTimestamp") is not null)
        {
            return;
        }

        var accountKey = StorageKeys.ObjectKey(cluster, ServiceAccountKind.Definition, ns, ServiceAccountKind.DefaultName);
        if (await store.Storage.GetAsync(accountKey, ct).ConfigureAwait(false) is not null)
        {
            return;
        }

        var scope = new RequestScope { Definition = ServiceAccountKind.Definition, Cluster = cluster, Namespace = ns, User = Controller, FieldManager = "service-account-controller" };
        try
        {
            await store.CreateAsync(scope, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ServiceAccountKind.DefaultName } }, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Someone else created it first.
        }
    }

}

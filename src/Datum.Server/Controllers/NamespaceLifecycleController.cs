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
/// Empties terminating namespaces: deletes every namespaced object in them (of every kind in the catalog,
/// custom kinds included), and once nothing is left removes the <c>kubernetes</c> finalizer so the namespace
/// itself goes. Level-triggered: it re-reads the world on every pass and retries until the namespace is gone.
/// It watches <c>/registry/</c>, so it serves every control plane; the cluster of each namespace comes from its key.
/// </summary>
internal sealed partial class NamespaceLifecycleController(ResourceStore store, ResourceCatalog catalog, ILogger<NamespaceLifecycleController> logger)
    : BackgroundService
{
    private static readonly UserInfo Controller = new("system:serviceaccount:kube-system:namespace-controller", null, ["system:masters", "system:authenticated"]);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly RetryingKeyQueue _work = new("namespace-lifecycle", RetryDelay, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var worker = _work.RunAsync(FinalizeAsync, stoppingToken);
        try
        {
            const string prefix = "/registry/";
            while (!stoppingToken.IsCancellationRequested)
            {
                var page = await store.Storage.ListAsync(prefix, new ListRequest(), stoppingToken).ConfigureAwait(false);
                foreach (var item in page.Items) Consider(item.Key, item.Value);
                try
                {
                    await using var watch = await store.Storage.WatchAsync(prefix, page.Revision, stoppingToken).ConfigureAwait(false);
                    await foreach (var change in watch.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                    {
                        if (change.Type is StorageEventType.Created or StorageEventType.Updated) Consider(change.Key, change.Value);
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
        await worker.ConfigureAwait(false);
    }

    private void Consider(string key, byte[] value)
    {
        if (!IsNamespaceKey(key)) return;
        var obj = ObjectEncoding.Decode(value);
        if (ObjectFields.MetaString(obj, "deletionTimestamp") is not null) _work.Add(key);
    }

    /// <summary>Whether <paramref name="key"/> is a Namespace's key in some cluster.</summary>
    internal static bool IsNamespaceKey(string key) =>
        StorageKeys.ClusterOf(key) is { } cluster && key == StorageKeys.ObjectKey(cluster, NamespaceKind.Definition, null, StorageKeys.NameOf(key));

    /// <summary>One pass over the namespace stored at <paramref name="key"/>; true when it is gone or needs nothing more.</summary>
    private async Task<bool> FinalizeAsync(string key, CancellationToken ct)
    {
        var cluster = StorageKeys.ClusterOf(key)!;
        var name = StorageKeys.NameOf(key);
        var nsScope = new RequestScope { Definition = NamespaceKind.Definition, Cluster = cluster, User = Controller };
        StoredObject current;
        try
        {
            current = await store.GetAsync(nsScope, name, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return true;
        }
        if (ObjectFields.MetaString(ObjectEncoding.Decode(current.Value), "deletionTimestamp") is null) return true;

        var remaining = 0;
        var remainingByResource = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var remainingByFinalizer = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var definition in catalog.All())
        {
            if (!definition.Namespaced || definition.Review is not null) continue;
            var scope = new RequestScope { Definition = definition, Cluster = cluster, Namespace = name, User = Controller };
            var list = await store.ListAsync(scope, new ListQuery(), ct).ConfigureAwait(false);
            foreach (var item in list.Items)
            {
                try
                {
                    var (kept, deleted) = await store.DeleteAsync(scope, StorageKeys.NameOf(item.Key), new DeletePreconditions(), ct).ConfigureAwait(false);
                    if (!deleted)
                    {
                        remaining++;
                        var resource = definition.Group.Length == 0 ? definition.Plural : $"{definition.Plural}.{definition.Group}";
                        remainingByResource[resource] = remainingByResource.GetValueOrDefault(resource) + 1;
                        foreach (var finalizer in ObjectFields.Finalizers(ObjectEncoding.Decode(kept.Value)))
                        {
                            remainingByFinalizer[finalizer] = remainingByFinalizer.GetValueOrDefault(finalizer) + 1;
                        }
                    }
                }
                catch (ApiException e) when (e.Code == 404)
                {
                }
            }
        }
        if (remaining > 0)
        {
            await ReportRemainingAsync(name, remainingByResource, remainingByFinalizer, ct).ConfigureAwait(false);
            return false;
        }

        await store.UpdateAsync(nsScope, name, ns =>
        {
            if (ns["spec"] is JsonObject spec && spec["finalizers"] is JsonArray finalizers)
            {
                var kept = finalizers.Where(f => f?.ToString() != NamespaceKind.FinalizerName).Select(f => f?.DeepClone()).ToArray();
                spec["finalizers"] = new JsonArray(kept);
            }
            return ns;
        }, requireResourceVersion: false, ct).ConfigureAwait(false);
        return true;
    }

    // The conditions kube-controller-manager's namespace controller reports, so `kubectl describe ns` says what blocks.
    private async Task ReportRemainingAsync(string name, SortedDictionary<string, int> byResource, SortedDictionary<string, int> byFinalizer, CancellationToken ct)
    {
        var content = "Some resources are remaining: " + string.Join(", ", byResource.Select(r => $"{r.Key} has {r.Value} resource instances"));
        var finalizers = "Some content in the namespace has finalizers remaining: " + string.Join(", ", byFinalizer.Select(f => $"{f.Key} in {f.Value} resource instances"));
        var statusScope = new RequestScope { Definition = NamespaceKind.Definition, User = Controller, Subresource = "status" };
        await store.UpdateAsync(statusScope, name, ns =>
        {
            var status = ns["status"] as JsonObject ?? new JsonObject();
            var old = status["conditions"] as JsonArray;
            var conditions = new JsonArray();
            foreach (var (type, reason, message) in new[]
            {
                ("NamespaceContentRemaining", "SomeResourcesRemain", content),
                ("NamespaceFinalizersRemaining", "SomeFinalizersRemain", finalizers),
            })
            {
                var previous = old?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == type);
                var since = previous?["status"]?.ToString() == "True" ? previous["lastTransitionTime"]?.DeepClone() : ObjectFields.FormatTime(DateTimeOffset.UtcNow);
                conditions.Add(new JsonObject { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = since, ["reason"] = reason, ["message"] = message });
            }
            status["conditions"] = conditions;
            ns["status"] = status;
            return ns;
        }, requireResourceVersion: false, ct).ConfigureAwait(false);
    }

}

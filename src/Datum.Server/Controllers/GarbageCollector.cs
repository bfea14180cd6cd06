using System.Text.Json.Nodes;
using System.Threading.Channels;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Controllers;

/// <summary>
/// Deletes objects whose owners are gone and carries out Foreground and Orphan deletion, as Kubernetes' garbage
/// collector does. It keeps an <see cref="OwnerGraph"/> of every object of every control plane from a storage watch on
/// <c>/registry/</c> (owners are looked up in the dependent's own cluster), and a queue of keys to look at:
/// <list type="bullet">
/// <item>a dependent (an object with ownerReferences): owners that are gone (by uid, or by apiVersion, kind and name
/// resolved through the catalog) are dangling; with no live owner left it is deleted, otherwise its dangling
/// references are removed;</item>
/// <item>an owner being deleted with <c>foregroundDeletion</c>: its dependents are deleted, and the finalizer is removed
/// once no dependent with <c>blockOwnerDeletion</c> remains;</item>
/// <item>an owner being deleted with <c>orphan</c>: its reference is removed from every dependent, then the finalizer.</item>
/// </list>
/// Every decision re-reads the object and its owners from storage, and every write goes through the
/// <see cref="ResourceStore"/>. Failed or unfinished work is retried with backoff; a restart relists and looks at
/// everything again.
/// </summary>
internal sealed partial class GarbageCollector(ResourceStore store, ResourceCatalog catalog, ILogger<GarbageCollector> logger) : BackgroundService
{
    private static readonly UserInfo Collector = new("system:serviceaccount:kube-system:generic-garbage-collector", null, ["system:masters", "system:authenticated"]);
    private const string FieldManager = "generic-garbage-collector";
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly OwnerGraph _graph = new();
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _retries = new(StringComparer.Ordinal);
    private readonly Lock _queueLock = new();

    private enum Outcome
    {
        Done,
        Waiting,
    }

    private enum OwnerState
    {
        Alive,
        Absent,
        WaitingForDependents,
    }

    private const string Prefix = "/registry/";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var worker = RunWorkerAsync(stoppingToken);
        catalog.Changed += OnCatalogChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var page = await store.Storage.ListAsync(Prefix, new ListRequest(), stoppingToken).ConfigureAwait(false);
                _graph.Clear();
                foreach (var item in page.Items)
                {
                    if (OwnerNode.Parse(item.Key, item.Value) is { } node) _graph.Upsert(node);
                }
                foreach (var node in _graph.All())
                {
                    if (node.Owners.Count > 0 || node.NeedsOwnerWork) Enqueue(node.Key);
                }
                try
                {
                    await using var watch = await store.Storage.WatchAsync(Prefix, page.Revision, stoppingToken).ConfigureAwait(false);
                    await foreach (var change in watch.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                    {
                        Observe(change);
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
        finally
        {
            catalog.Changed -= OnCatalogChanged;
        }
        await worker.ConfigureAwait(false);
    }

    /// <summary>Updates the graph from one change and queues whatever it may affect.</summary>
    private void Observe(StorageEvent change)
    {
        switch (change.Type)
        {
            case StorageEventType.Created or StorageEventType.Updated:
            {
                if (OwnerNode.Parse(change.Key, change.Value) is not { } node)
                {
                    _graph.Remove(change.Key);
                    return;
                }
                var old = _graph.Upsert(node);
                var changed = old is null || !old.SameAs(node);
                if (changed && (node.Owners.Count > 0 || node.NeedsOwnerWork)) Enqueue(node.Key);
                if (changed) EnqueueDeletingOwners(node, old);
                break;
            }
            case StorageEventType.Deleted:
            {
                var old = _graph.Remove(change.Key) ?? OwnerNode.Parse(change.Key, change.Value);
                if (old is null) return;
                foreach (var dependent in _graph.DependentsOf(old.Uid)) Enqueue(dependent.Key);
                EnqueueDeletingOwners(old, null);
                break;
            }
        }
    }

    /// <summary>A dependent changed or went: its owners waiting in foreground deletion look again.</summary>
    private void EnqueueDeletingOwners(OwnerNode node, OwnerNode? old)
    {
        foreach (var link in old is null ? node.Owners : node.Owners.Concat(old.Owners))
        {
            if (_graph.ByUid(link.Uid) is { NeedsOwnerWork: true } owner) Enqueue(owner.Key);
        }
    }

    private void OnCatalogChanged()
    {
        // Owner kinds may have become resolvable (or gone): look at every dependent again.
        foreach (var node in _graph.All())
        {
            if (node.Owners.Count > 0) Enqueue(node.Key);
        }
    }

    private void Enqueue(string key)
    {
        lock (_queueLock)
        {
            if (_queued.Add(key)) _queue.Writer.TryWrite(key);
        }
    }

    private async Task RunWorkerAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var key in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                lock (_queueLock) _queued.Remove(key);
                Outcome outcome;
                try
                {
                    outcome = await ProcessAsync(key, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Anything else (a strategy rejecting the write, storage trouble): look again later.
                    LogRetry(logger, key, e.Message);
                    outcome = Outcome.Waiting;
                }
                int attempt;
                lock (_queueLock)
                {
                    if (outcome == Outcome.Done)
                    {
                        _retries.Remove(key);
                        continue;
                    }
                    attempt = _retries.GetValueOrDefault(key);
                    _retries[key] = attempt + 1;
                }
                var delay = TimeSpan.FromMilliseconds(Math.Min(FirstRetry.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)), MaxRetry.TotalMilliseconds));
                _ = RequeueLaterAsync(key, delay, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RequeueLaterAsync(string key, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            Enqueue(key);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One look at the object stored at <paramref name="key"/>.</summary>
    private async Task<Outcome> ProcessAsync(string key, CancellationToken ct)
    {
        var current = await store.Storage.GetAsync(key, ct).ConfigureAwait(false);
        if (current is null || OwnerNode.Parse(key, current.Value) is not { } node) return Outcome.Done;
        if (DefinitionOf(node) is not { } definition) return Outcome.Done;
        if (node.Orphaning) return await OrphanDependentsAsync(node, definition, ct).ConfigureAwait(false);
        if (node.DeletingDependents) return await DeleteDependentsAsync(node, definition, ct).ConfigureAwait(false);
        if (node.Deleting || node.Owners.Count == 0) return Outcome.Done;
        return await CollectIfOrphanedAsync(node, definition, ct).ConfigureAwait(false);
    }

    /// <summary>Orphan: remove the owner's reference from every dependent, then the <c>orphan</c> finalizer.</summary>
    private async Task<Outcome> OrphanDependentsAsync(OwnerNode owner, ResourceDefinition definition, CancellationToken ct)
    {
        foreach (var dependent in _graph.DependentsOf(owner.Uid))
        {
            if (DefinitionOf(dependent) is not { } dependentDefinition) continue;
            await RemoveOwnerReferencesAsync(dependent, dependentDefinition, [owner.Uid], ct).ConfigureAwait(false);
        }
        await RemoveFinalizerAsync(owner, definition, GarbageCollectionFinalizers.Orphan, ct).ConfigureAwait(false);
        return Outcome.Done;
    }

    /// <summary>
    /// Foreground: make sure every dependent is being deleted; once none that blocks (<c>blockOwnerDeletion</c>) is
    /// left, remove the <c>foregroundDeletion</c> finalizer.
    /// </summary>
    private async Task<Outcome> DeleteDependentsAsync(OwnerNode owner, ResourceDefinition definition, CancellationToken ct)
    {
        var dependents = _graph.DependentsOf(owner.Uid);
        var blocking = dependents.Where(d => d.Owners.Any(o => o.Uid == owner.Uid && o.BlockOwnerDeletion)).ToList();
        if (blocking.Count == 0)
        {
            await RemoveFinalizerAsync(owner, definition, GarbageCollectionFinalizers.Foreground, ct).ConfigureAwait(false);
            return Outcome.Done;
        }
        // Each dependent decides for itself (it may have other live owners); its changes bring the owner back here.
        foreach (var dependent in dependents)
        {
            if (!dependent.Deleting) Enqueue(dependent.Key);
        }
        return Outcome.Waiting;
    }

    /// <summary>A dependent: deleted when none of its owners is alive; its references to owners that are gone are removed otherwise.</summary>
    private async Task<Outcome> CollectIfOrphanedAsync(OwnerNode node, ResourceDefinition definition, CancellationToken ct)
    {
        var solid = 0;
        var dangling = new List<string>();
        var waiting = new List<string>();
        foreach (var link in node.Owners)
        {
            switch (await OwnerStateAsync(node, link, ct).ConfigureAwait(false))
            {
                case OwnerState.Alive: solid++; break;
                case OwnerState.Absent: dangling.Add(link.Uid); break;
                case OwnerState.WaitingForDependents: waiting.Add(link.Uid); break;
            }
        }
        if (solid > 0)
        {
            // Still owned: drop the references to owners that are gone (or waiting for their dependents to go).
            if (dangling.Count + waiting.Count > 0)
            {
                await RemoveOwnerReferencesAsync(node, definition, [.. dangling, .. waiting], ct).ConfigureAwait(false);
            }
            return Outcome.Done;
        }

        DeletionPropagation policy;
        var ownDependents = _graph.DependentsOf(node.Uid);
        if (waiting.Count > 0 && ownDependents.Count > 0)
        {
            // An owner waits for this object, which has dependents of its own: delete it in the foreground too.
            // If one of them is itself waiting (an ownership cycle), stop this object from blocking its owners.
            if (ownDependents.Any(d => d.DeletingDependents) && node.Owners.Any(o => o.BlockOwnerDeletion))
            {
                await UnblockOwnersAsync(node, definition, ct).ConfigureAwait(false);
            }
            policy = DeletionPropagation.Foreground;
        }
        else
        {
            var current = await store.Storage.GetAsync(node.Key, ct).ConfigureAwait(false);
            var finalizers = current is null ? [] : ObjectFields.Finalizers(ObjectEncoding.Decode(current.Value));
            policy = finalizers.Contains(GarbageCollectionFinalizers.Orphan) ? DeletionPropagation.Orphan
                : finalizers.Contains(GarbageCollectionFinalizers.Foreground) ? DeletionPropagation.Foreground
                : DeletionPropagation.Background;
        }
        LogCollecting(logger, node.Key, policy);
        try
        {
            await store.DeleteAsync(ScopeFor(definition, node), node.Name, new DeletePreconditions(Uid: node.Uid), policy, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Gone already, or replaced by a new object of the same name (the uid precondition failed).
        }
        return Outcome.Done;
    }

    /// <summary>Whether the owner <paramref name="link"/> names exists for <paramref name="dependent"/>.</summary>
    private async Task<OwnerState> OwnerStateAsync(OwnerNode dependent, OwnerLink link, CancellationToken ct)
    {
        string key;
        if (OwnerDefinition(link) is { } definition)
        {
            // A namespaced owner must be in the dependent's namespace; a cluster-scoped dependent cannot have one.
            if (definition.Namespaced && dependent.Namespace is null) return OwnerState.Absent;
            key = StorageKeys.ObjectKey(StorageKeys.ClusterOf(dependent.Key)!, definition, definition.Namespaced ? dependent.Namespace : null, link.Name);
        }
        else if (_graph.ByUid(link.Uid) is { } byUid)
        {
            // The kind does not resolve (another version, a kind not served yet) but the uid is known.
            if (byUid.Namespace is not null && byUid.Namespace != dependent.Namespace) return OwnerState.Absent;
            if (StorageKeys.ClusterOf(byUid.Key) != StorageKeys.ClusterOf(dependent.Key)) return OwnerState.Absent;
            key = byUid.Key;
        }
        else
        {
            // Neither resolvable nor known: keep the dependent rather than delete on a reference we cannot check.
            LogUnresolvable(logger, dependent.Key, link.ApiVersion, link.Kind);
            return OwnerState.Alive;
        }
        var stored = await store.Storage.GetAsync(key, ct).ConfigureAwait(false);
        if (stored is null) return OwnerState.Absent;
        var owner = OwnerNode.Parse(key, stored.Value);
        if (owner is null || owner.Uid != link.Uid) return OwnerState.Absent;
        return owner.DeletingDependents ? OwnerState.WaitingForDependents : OwnerState.Alive;
    }

    private async Task RemoveOwnerReferencesAsync(OwnerNode node, ResourceDefinition definition, IReadOnlyCollection<string> ownerUids, CancellationToken ct)
    {
        await UpdateAsync(node, definition, obj =>
        {
            if (ObjectFields.Metadata(obj)["ownerReferences"] is not JsonArray refs) return obj;
            var kept = refs.Where(r => r is not JsonObject o || !ownerUids.Contains(o["uid"]?.ToString() ?? "")).Select(r => r?.DeepClone()).ToArray();
            if (kept.Length == refs.Count) return obj;
            if (kept.Length == 0) ObjectFields.Metadata(obj).Remove("ownerReferences");
            else ObjectFields.Metadata(obj)["ownerReferences"] = new JsonArray(kept);
            return obj;
        }, ct).ConfigureAwait(false);
    }

    private async Task UnblockOwnersAsync(OwnerNode node, ResourceDefinition definition, CancellationToken ct)
    {
        await UpdateAsync(node, definition, obj =>
        {
            if (ObjectFields.Metadata(obj)["ownerReferences"] is not JsonArray refs) return obj;
            foreach (var r in refs.OfType<JsonObject>())
            {
                if (r["blockOwnerDeletion"] is JsonValue v && v.TryGetValue<bool>(out var block) && block) r["blockOwnerDeletion"] = false;
            }
            return obj;
        }, ct).ConfigureAwait(false);
    }

    private async Task RemoveFinalizerAsync(OwnerNode node, ResourceDefinition definition, string finalizer, CancellationToken ct)
    {
        await UpdateAsync(node, definition, obj =>
        {
            if (ObjectFields.Metadata(obj)["finalizers"] is not JsonArray finalizers) return obj;
            var kept = finalizers.Where(f => f?.ToString() != finalizer).Select(f => f?.DeepClone()).ToArray();
            if (kept.Length == finalizers.Count) return obj;
            if (kept.Length == 0) ObjectFields.Metadata(obj).Remove("finalizers");
            else ObjectFields.Metadata(obj)["finalizers"] = new JsonArray(kept);
            return obj;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>An unconditional update of the object at the node's key, applied only while it is the same object (uid).</summary>
    private async Task UpdateAsync(OwnerNode node, ResourceDefinition definition, Func<JsonObject, JsonObject> change, CancellationToken ct)
    {
        try
        {
            await store.UpdateAsync(ScopeFor(definition, node), node.Name,
                obj => ObjectFields.MetaString(obj, "uid") == node.Uid ? change(obj) : obj,
                requireResourceVersion: false, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private static RequestScope ScopeFor(ResourceDefinition definition, OwnerNode node) =>
        new() { Definition = definition, Cluster = StorageKeys.ClusterOf(node.Key)!, Namespace = node.Namespace, User = Collector, FieldManager = FieldManager };

    /// <summary>The served kind an object's key belongs to (the version it was stored with when served).</summary>
    private ResourceDefinition? DefinitionOf(OwnerNode node)
    {
        ResourceDefinition? match = null;
        foreach (var definition in catalog.All())
        {
            if (definition.Review is not null || definition.Plural != node.Resource) continue;
            if ((definition.Group.Length == 0 ? "core" : definition.Group) != node.StorageGroup) continue;
            if (definition.ApiVersion == node.ApiVersion) return definition;
            match ??= definition;
        }
        return match;
    }

    /// <summary>The served kind an ownerReference names (group from its apiVersion, and kind).</summary>
    private ResourceDefinition? OwnerDefinition(OwnerLink link)
    {
        var slash = link.ApiVersion.IndexOf('/');
        var group = slash < 0 ? "" : link.ApiVersion[..slash];
        ResourceDefinition? match = null;
        foreach (var definition in catalog.All())
        {
            if (definition.Review is not null || definition.Group != group || definition.Kind != link.Kind) continue;
            if (definition.ApiVersion == link.ApiVersion) return definition;
            match ??= definition;
        }
        return match;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "garbage collector will retry {Key}: {Reason}")]
    private static partial void LogRetry(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "garbage collector deletes {Key} ({Policy})")]
    private static partial void LogCollecting(ILogger logger, string key, DeletionPropagation policy);

    [LoggerMessage(Level = LogLevel.Debug, Message = "garbage collector cannot resolve owner {ApiVersion} {Kind} of {Key}; keeping it")]
    private static partial void LogUnresolvable(ILogger logger, string key, string apiVersion, string kind);
}

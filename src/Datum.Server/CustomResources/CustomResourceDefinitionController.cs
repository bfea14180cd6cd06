using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Datum.Server.CustomResources.CustomResourceDefinitionKind;

namespace Datum.Server.CustomResources;

/// <summary>
/// Serves the kinds CustomResourceDefinitions declare. For every CRD it adds one <see cref="ResourceDefinition"/>
/// per served version to the catalog (discovery and OpenAPI follow the catalog) and records
/// <c>NamesAccepted</c>/<c>Established</c> in the CRD's status. A deleted CRD keeps its
/// <c>customresourcecleanup.apiextensions.k8s.io</c> finalizer until every object of its kind is deleted; then
/// the finalizer goes, and with the CRD its kinds. Level-triggered on the storage watch of the CRD prefix.
/// </summary>
public sealed partial class CustomResourceDefinitionController(ResourceStore store, ResourceCatalog catalog, ILogger<CustomResourceDefinitionController> logger)
    : BackgroundService
{
    private static readonly UserInfo Controller = new("system:serviceaccount:kube-system:apiextensions-controller", null, ["system:masters", "system:authenticated"]);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly Controllers.RetryingKeyQueue _work = new("customresourcedefinitions", RetryDelay, logger);
    private readonly Dictionary<string, Served> _served = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private sealed record Served(string Spec, CustomResourceKinds Kinds, CustomResourceState State);

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Serve what is already stored before the server accepts requests, so restarts never 404 a known kind.
        var page = await store.Storage.ListAsync(Prefix, new ListRequest(), cancellationToken).ConfigureAwait(false);
        foreach (var item in page.Items)
        {
            var crd = ObjectEncoding.Decode(item.Value);
            if (ObjectFields.Name(crd) is { } name)
            {
                try
                {
                    Register(name, crd, ObjectFields.MetaString(crd, "deletionTimestamp") is not null);
                }
                catch (ApiException e)
                {
                    LogRetry(logger, name, e.Message);
                }
            }
        }
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Prefix => StorageKeys.ResourcePrefix(StorageKeys.RootCluster, Definition);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var worker = _work.RunAsync(SyncAsync, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var page = await store.Storage.ListAsync(Prefix, new ListRequest(), stoppingToken).ConfigureAwait(false);
                var present = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in page.Items)
                {
                    present.Add(StorageKeys.NameOf(item.Key));
                    _work.Add(StorageKeys.NameOf(item.Key));
                }
                lock (_lock)
                {
                    foreach (var name in _served.Keys.Where(n => !present.Contains(n))) _work.Add(name);
                }
                try
                {
                    await using var watch = await store.Storage.WatchAsync(Prefix, page.Revision, stoppingToken).ConfigureAwait(false);
                    await foreach (var change in watch.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                    {
                        _work.Add(StorageKeys.NameOf(change.Key));
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

    /// <summary>One pass over one CRD; true when nothing is left to do for now.</summary>
    private async Task<bool> SyncAsync(string name, CancellationToken ct)
    {
        var crdScope = new RequestScope { Definition = Definition, User = Controller };
        JsonObject crd;
        try
        {
            crd = ObjectEncoding.Decode((await store.GetAsync(crdScope, name, ct).ConfigureAwait(false)).Value);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            Unregister(name);
            return true;
        }

        if (ObjectFields.MetaString(crd, "deletionTimestamp") is not null)
        {
            return await CleanUpAsync(name, crd, ct).ConfigureAwait(false);
        }

        var conflict = Register(name, crd, terminating: false);
        var spec = crd["spec"] as JsonObject ?? new JsonObject();
        var status = crd["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        var names = (JsonObject)spec["names"]!.DeepClone();
        var conditions = status["conditions"] as JsonArray ?? [];
        if (conflict is null)
        {
            SetCondition(conditions, "NamesAccepted", "True", "NoConflicts", "no conflicts found");
            SetCondition(conditions, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted");
            status["acceptedNames"] = names;
        }
        else
        {
            SetCondition(conditions, "NamesAccepted", "False", "PluralConflict", conflict);
            SetCondition(conditions, "Established", "False", "NotAccepted", "not all names are accepted");
            status["acceptedNames"] ??= new JsonObject { ["plural"] = "", ["kind"] = "" };
        }
        status["conditions"] = conditions;
        var stored = (status["storedVersions"] as JsonArray ?? []).Select(v => v?.ToString() ?? "").ToList();
        var storageVersion = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(v => IsTrue(v["storage"]))?["name"]?.ToString();
        if (conflict is null && storageVersion is not null && !stored.Contains(storageVersion)) stored.Add(storageVersion);
        status["storedVersions"] = new JsonArray(stored.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

        if (!JsonNode.DeepEquals(status, crd["status"]))
        {
            var statusScope = new RequestScope { Definition = Definition, User = Controller, Subresource = "status" };
            await store.UpdateAsync(statusScope, name, current =>
            {
                current["status"] = status.DeepClone();
                return current;
            }, requireResourceVersion: false, ct).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Deletes every object of a deleted CRD's kind, then lets the CRD go.</summary>
    private async Task<bool> CleanUpAsync(string name, JsonObject crd, CancellationToken ct)
    {
        Register(name, crd, terminating: true);
        CustomResourceKinds kinds;
        lock (_lock)
        {
            kinds = _served.TryGetValue(name, out var served) ? served.Kinds : CustomResourceDefinitions.Build(crd, new CustomResourceState { Terminating = true });
        }
        var definition = kinds.Storage;
        var remaining = 0;
        var list = await store.ListAsync(new RequestScope { Definition = definition, User = Controller }, new ListQuery(), ct).ConfigureAwait(false);
        foreach (var item in list.Items)
        {
            var obj = ObjectEncoding.Decode(item.Value);
            var scope = new RequestScope { Definition = definition, Namespace = definition.Namespaced ? ObjectFields.Namespace(obj) : null, User = Controller };
            try
            {
                var (_, deleted) = await store.DeleteAsync(scope, StorageKeys.NameOf(item.Key), new DeletePreconditions(), ct).ConfigureAwait(false);
                if (!deleted) remaining++;
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
        if (remaining > 0) return false;

        await store.UpdateAsync(new RequestScope { Definition = Definition, User = Controller }, name, current =>
        {
            var meta = ObjectFields.Metadata(current);
            if (meta["finalizers"] is JsonArray finalizers)
            {
                meta["finalizers"] = new JsonArray(finalizers.Where(f => f?.ToString() != CleanupFinalizer).Select(f => f?.DeepClone()).ToArray());
            }
            return current;
        }, requireResourceVersion: false, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Adds (or refreshes) a CRD's kinds in the catalog; returns why its names are not accepted, or null.</summary>
    private string? Register(string name, JsonObject crd, bool terminating)
    {
        var spec = crd["spec"]?.ToJsonString() ?? "";
        lock (_lock)
        {
            if (_served.TryGetValue(name, out var current) && current.Spec == spec)
            {
                if (terminating) current.State.Terminating = true;
                return null;
            }
            var state = current?.State ?? new CustomResourceState();
            if (terminating) state.Terminating = true;
            var kinds = CustomResourceDefinitions.Build(crd, state);
            foreach (var definition in kinds.Served)
            {
                var existing = catalog.Find(definition.Group, definition.Version, definition.Plural);
                if (existing is not null && (existing.Strategy is not CustomResourceStrategy s || s.State != state))
                {
                    return $"\"{definition.Plural}\" is already in use";
                }
            }
            if (current is not null)
            {
                foreach (var old in current.Kinds.Served)
                {
                    if (!kinds.Served.Any(d => d.Version == old.Version && d.Plural == old.Plural)) catalog.Remove(old.Group, old.Version, old.Plural);
                }
            }
            foreach (var definition in kinds.Served) catalog.Add(definition);
            _served[name] = new Served(spec, kinds, state);
            return null;
        }
    }

    private void Unregister(string name)
    {
        lock (_lock)
        {
            if (!_served.Remove(name, out var served)) return;
            foreach (var definition in served.Kinds.Served) catalog.Remove(definition.Group, definition.Version, definition.Plural);
        }
    }

    private static void SetCondition(JsonArray conditions, string type, string status, string reason, string message)
    {
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == type);
        if (existing is not null && existing["status"]?.ToString() == status && existing["reason"]?.ToString() == reason && existing["message"]?.ToString() == message) return;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastTransitionTime"] = existing is not null && existing["status"]?.ToString() == status
                ? existing["lastTransitionTime"]?.DeepClone()
                : ObjectFields.FormatTime(DateTimeOffset.UtcNow),
            ["reason"] = reason,
            ["message"] = message,
        };
        if (existing is not null) conditions[conditions.IndexOf(existing)] = condition;
        else conditions.Add(condition);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "custom resource definition {Name} not synced yet: {Reason}")]
    private static partial void LogRetry(ILogger logger, string name, string reason);
}

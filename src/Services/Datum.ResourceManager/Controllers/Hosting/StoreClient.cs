using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;
using Datum.Server.Security;

namespace Datum.ResourceManager.Controllers.Hosting;

/// <summary>
/// The writes controllers make, through the <see cref="ResourceStore"/> (so validation, admission and watches see
/// them) as one controller identity. Reads are uncached storage reads.
/// </summary>
internal sealed class StoreClient(ResourceStore store, string controllerName)
{
    private readonly UserInfo _user = new($"system:serviceaccount:milo-system:{controllerName}", null, ["system:masters", "system:authenticated"]);

    /// <summary>The store underneath.</summary>
    public ResourceStore Store => store;

    /// <summary>A scope for <paramref name="definition"/> in <paramref name="cluster"/>.</summary>
    public RequestScope Scope(ResourceDefinition definition, string cluster, string? ns = null, string? subresource = null, UserInfo? user = null) =>
        new() { Definition = definition, Cluster = cluster, Namespace = ns, Subresource = subresource, User = user ?? _user, FieldManager = controllerName };

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(ResourceDefinition definition, string cluster, string? ns, string name, CancellationToken ct)
    {
        var stored = await store.Storage.GetAsync(StorageKeys.ObjectKey(cluster, definition, ns, name), ct).ConfigureAwait(false);
        return stored is null ? null : ObjectEncoding.Decode(stored.Value);
    }

    /// <summary>Creates <paramref name="obj"/> unless an object of that name exists; returns whether it was created.</summary>
    public async Task<bool> CreateIfMissingAsync(ResourceDefinition definition, string cluster, string? ns, JsonObject obj, CancellationToken ct, UserInfo? user = null)
    {
        if (await GetAsync(definition, cluster, ns, ObjectFields.Name(obj)!, ct).ConfigureAwait(false) is not null) return false;
        try
        {
            await store.CreateAsync(Scope(definition, cluster, ns, user: user), obj, ct).ConfigureAwait(false);
            return true;
        }
        catch (ApiException e) when (e.Code == 409)
        {
            return false;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the main resource (unconditional, retried on races).</summary>
    public Task UpdateAsync(ResourceDefinition definition, string cluster, string? ns, string name, Func<JsonObject, JsonObject> change, CancellationToken ct) =>
        store.UpdateAsync(Scope(definition, cluster, ns), name, change, requireResourceVersion: false, ct);

    /// <summary>Applies <paramref name="change"/> to the status (unconditional, retried on races).</summary>
    public Task UpdateStatusAsync(ResourceDefinition definition, string cluster, string? ns, string name, Func<JsonObject, JsonObject> change, CancellationToken ct) =>
        store.UpdateAsync(Scope(definition, cluster, ns, "status"), name, change, requireResourceVersion: false, ct);

    /// <summary>Adds a finalizer if missing.</summary>
    public Task AddFinalizerAsync(ResourceDefinition definition, string cluster, string? ns, string name, string finalizer, CancellationToken ct) =>
        UpdateAsync(definition, cluster, ns, name, obj =>
        {
            var meta = ObjectFields.Metadata(obj);
            var list = meta["finalizers"] as JsonArray ?? [];
            if (!list.Any(f => f?.ToString() == finalizer)) list.Add(finalizer);
            meta["finalizers"] = list;
            return obj;
        }, ct);

    /// <summary>Removes a finalizer if present (the object may then be deleted).</summary>
    public async Task RemoveFinalizerAsync(ResourceDefinition definition, string cluster, string? ns, string name, string finalizer, CancellationToken ct)
    {
        try
        {
            await UpdateAsync(definition, cluster, ns, name, obj =>
            {
                var meta = ObjectFields.Metadata(obj);
                if (meta["finalizers"] is not JsonArray list) return obj;
                var kept = list.Where(f => f?.ToString() != finalizer).Select(f => f?.DeepClone()).ToArray();
                if (kept.Length == 0) meta.Remove("finalizers");
                else meta["finalizers"] = new JsonArray(kept);
                return obj;
            }, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    /// <summary>Whether the object carries <paramref name="finalizer"/>.</summary>
    public static bool HasFinalizer(JsonObject obj, string finalizer) => ObjectFields.Finalizers(obj).Contains(finalizer);

    /// <summary>Whether the object is being deleted.</summary>
    public static bool IsDeleting(JsonObject obj) => ObjectFields.MetaString(obj, "deletionTimestamp") is not null;
}

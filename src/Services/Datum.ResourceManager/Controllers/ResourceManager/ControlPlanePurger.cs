using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Builtins;
using Datum.Server.Registry;
using Datum.Storage;
using Datum.ResourceManager.Controllers.Hosting;

namespace Datum.ResourceManager.Controllers.ResourceManager;

/// <summary>What one purge pass found.</summary>
/// <param name="Remaining">Keys left under the plane's prefix.</param>
/// <param name="Blocking">Objects that are being deleted but held (by finalizers), described for a condition message.</param>
internal sealed record PurgeProgress(int Remaining, IReadOnlyList<string> Blocking)
{
    /// <summary>Whether the plane is empty.</summary>
    public bool Complete => Remaining == 0;

    /// <summary>A message naming what still blocks (at most five objects).</summary>
    public string Describe()
    {
        if (Complete) return "All resources in the control plane were deleted";
        var text = $"Waiting for {Remaining} object(s) in the control plane to be deleted";
        if (Blocking.Count == 0) return text;
        var named = string.Join(", ", Blocking.Take(5));
        return $"{text}; blocked by {named}{(Blocking.Count > 5 ? $" and {Blocking.Count - 5} more" : "")}";
    }
}

/// <summary>
/// Empties a control plane (a storage cluster): deletes every object through the <see cref="ResourceStore"/> (so
/// finalizers and the namespace lifecycle apply), 16 at a time. Namespaces the API refuses to delete (<c>default</c>,
/// <c>kube-system</c>, …) are marked Terminating directly in storage, after which the namespace lifecycle controller
/// empties and removes them as any other (and nothing recreates their default service account). Keys of kinds no
/// longer served are removed directly. Nothing is considered done while any key is left under
/// <c>/registry/{cluster}/</c>, so a project never disappears before its control plane does (unlike milo#750).
/// </summary>
internal sealed class ControlPlanePurger(StoreClient client, ResourceCatalog catalog)
{
    /// <summary>One pass: issues deletes and reports what is left.</summary>
    public async Task<PurgeProgress> PurgeAsync(string cluster, CancellationToken ct)
    {
        var storage = client.Store.Storage;
        var prefix = StorageKeys.ClusterPrefix(cluster);
        var page = await storage.ListAsync(prefix, new ListRequest(), ct).ConfigureAwait(false);
        if (page.Items.Count == 0) return new PurgeProgress(0, []);

        var blocking = new List<string>();
        await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (item, token) =>
        {
            var rest = item.Key[prefix.Length..].Split('/');
            var definition = rest.Length >= 3 ? Find(rest[0], rest[1]) : null;
            if (definition is null)
            {
                await DeleteRawAsync(item, token).ConfigureAwait(false);
                return;
            }
            var obj = ObjectEncoding.Decode(item.Value);
            if (StoreClient.IsDeleting(obj))
            {
                var finalizers = ObjectFields.Finalizers(obj);
                if (finalizers.Count > 0)
                {
                    lock (blocking) blocking.Add($"{definition.Plural}/{(rest.Length == 4 ? rest[2] + "/" : "")}{ObjectFields.Name(obj)} (finalizers: {string.Join(", ", finalizers)})");
                }
                return;
            }
            if (ReferenceEquals(definition, NamespaceKind.Definition) && NamespaceKind.SystemNamespaces.Contains(ObjectFields.Name(obj)!))
            {
                await MarkTerminatingAsync(item, obj, token).ConfigureAwait(false);
                return;
            }
            var ns = definition.Namespaced && rest.Length == 4 ? rest[2] : null;
            try
            {
                await client.Store.DeleteAsync(client.Scope(definition, cluster, ns), ObjectFields.Name(obj)!, new DeletePreconditions(Uid: ObjectFields.MetaString(obj, "uid")), DeletionPropagation.Background, token).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }
        }).ConfigureAwait(false);
        return new PurgeProgress(page.Items.Count, blocking);
    }

    private ResourceDefinition? Find(string storageGroup, string plural) =>
        catalog.All().FirstOrDefault(d => d.Review is null && d.Plural == plural && (d.Group.Length == 0 ? "core" : d.Group) == storageGroup);

    private async Task MarkTerminatingAsync(StoredObject item, JsonObject obj, CancellationToken ct)
    {
        var meta = ObjectFields.Metadata(obj);
        meta["deletionTimestamp"] = ObjectFields.FormatTime(DateTimeOffset.UtcNow);
        meta["deletionGracePeriodSeconds"] = 0;
        obj["status"] = new JsonObject { ["phase"] = "Terminating" };
        try
        {
            await client.Store.Storage.UpdateAsync(item.Key, item.ModRevision, rev => ObjectEncoding.EncodeAt(obj, rev), ct).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Changed meanwhile: the next pass looks again.
        }
    }

    private async Task DeleteRawAsync(StoredObject item, CancellationToken ct)
    {
        try
        {
            var obj = ObjectEncoding.Decode(item.Value);
            await client.Store.Storage.DeleteAsync(item.Key, item.ModRevision, rev => ObjectEncoding.EncodeAt(obj, rev), ct).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Changed or gone meanwhile: the next pass looks again.
        }
    }
}

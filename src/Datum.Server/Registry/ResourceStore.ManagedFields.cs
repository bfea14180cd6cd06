using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Apply;
using Datum.Machinery.Objects;
using Datum.Storage;

namespace Datum.Server.Registry;

// managedFields bookkeeping and server-side apply. Every write goes through TrackManagedFields; apply computes its
// entries itself (ManagedFields.Apply) and then takes the ordinary create or update path.
public sealed partial class ResourceStore
{
    // Objects built by ApplyAsync already carry their managedFields; the write path must not record them again as an
    // Update. Keyed by identity: the desired object ApplyAsync hands to CreateAsync/UpdateAsync.
    private static readonly ConditionalWeakTable<JsonObject, object> s_applied = new();

    // Parsed entries of recently written objects: most writes are to an object written a moment ago.
    private readonly ManagedFieldsCache _managedFields = new(1024);

    /// <summary>
    /// Server-side apply of <paramref name="config"/> by <see cref="RequestScope.FieldManager"/>: creates the object when
    /// it does not exist, otherwise merges into it (409 on conflicts unless <paramref name="force"/>). <c>Created</c> tells which.
    /// </summary>
    public async Task<(StoredObject Object, bool Created)> ApplyAsync(RequestScope scope, string name, JsonObject config, bool force, CancellationToken ct)
    {
        var definition = scope.Definition;
        CheckSchema(scope, config);
        var configName = ObjectFields.Name(config);
        if (!string.IsNullOrEmpty(configName) && configName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({configName}) does not match the name on the URL ({name})");
        }
        var key = StorageKeys.ObjectKey(scope.Cluster, definition, scope.Namespace, name);
        for (var attempt = 0; ; attempt++)
        {
            if (await store.GetAsync(key, ct).ConfigureAwait(false) is null)
            {
                if (scope.Subresource is not null) throw NotFound(scope, name);
                var created = ApplyTo(scope, null, config, force);
                ObjectFields.Metadata(created)["name"] = name;
                try
                {
                    return (await CreateAsync(scope, created, ct).ConfigureAwait(false), true);
                }
                catch (ApiException e) when (e.Reason == "AlreadyExists" && attempt < 3)
                {
                    // Created meanwhile: apply to it instead.
                    continue;
                }
            }
            try
            {
                var updated = await UpdateAsync(scope, name, current => ApplyTo(scope, current, config, force), requireResourceVersion: false, ct).ConfigureAwait(false);
                return (updated, false);
            }
            catch (ApiException e) when (e.Code == 404 && e.DetailName == name && attempt < 3)
            {
                // Deleted meanwhile: create it again.
            }
        }
    }

    private JsonObject ApplyTo(RequestScope scope, JsonObject? current, JsonObject config, bool force)
    {
        var definition = scope.Definition;
        var entries = current is null ? [] : ManagedFields.Decode(ObjectFields.Metadata(current)["managedFields"]) ?? [];
        var result = ManagedFields.Apply(definition.Schema, entries, current, config, scope.FieldManager ?? "", definition.ApiVersion,
            scope.Subresource, force, ObjectFields.FormatTime(time.GetUtcNow()), FieldScope(scope));
        var obj = result.Object;
        if (result.Entries.Count > 0) ObjectFields.Metadata(obj)["managedFields"] = ManagedFields.Encode(result.Entries);
        else ObjectFields.Metadata(obj).Remove("managedFields");
        s_applied.AddOrUpdate(obj, scope);
        return obj;
    }

    /// <summary>
    /// Sets <c>managedFields</c> of <paramref name="updated"/> (the object about to be stored, built from the client's
    /// <paramref name="desired"/>) for a write by the scope's field manager; <paramref name="old"/> (stored as
    /// <paramref name="oldBytes"/>) is null on create. Returns the managedFields node when it is known to equal the
    /// stored one (so a no-op check need not compare it), else null.
    /// </summary>
    private JsonNode? TrackManagedFields(RequestScope scope, JsonObject updated, JsonObject desired, JsonObject? old, byte[]? oldBytes)
    {
        var meta = ObjectFields.Metadata(updated);
        var sent = desired["metadata"] is JsonObject desiredMeta ? desiredMeta["managedFields"] : null;
        if (s_applied.TryGetValue(desired, out _))
        {
            if (sent is JsonArray { Count: > 0 }) meta["managedFields"] = sent.DeepClone();
            else meta.Remove("managedFields");
            return null;
        }
        if (ManagedFields.IsReset(sent))
        {
            meta.Remove("managedFields");
            return null;
        }
        // Managed fields the client sent replace the stored ones; an empty list or none keeps the stored ones. A client
        // that sends back what it read (most controllers) sends the stored ones.
        var stored = old?["metadata"] is JsonObject oldMeta ? oldMeta["managedFields"] as JsonArray : null;
        var sentStored = sent is JsonArray { Count: > 0 } && SameAsStored(sent, stored, oldBytes);
        var entries = sent is JsonArray { Count: > 0 } && !sentStored ? ManagedFields.Decode(sent) : null;
        var fromStored = false;
        if (entries is null)
        {
            entries = stored is JsonArray { Count: > 0 } && _managedFields.Find(oldBytes) is { } known ? [.. known] : ManagedFields.Decode(stored);
            fromStored = entries is not null;
        }
        entries ??= [];
        var definition = scope.Definition;
        var recorded = ManagedFields.RecordUpdate(definition.Schema, entries, old, updated, scope.FieldManager ?? "unknown", definition.ApiVersion,
            scope.Subresource, ObjectFields.FormatTime(time.GetUtcNow()), FieldScope(scope));
        if (fromStored && SameEntries(recorded, entries))
        {
            // Unchanged entries encode to what is stored (the server wrote it, in this same form): keep that JSON.
            var kept = meta["managedFields"];
            var same = kept is not null && (ReferenceEquals(kept, sent) ? sentStored : SameAsStored(kept, stored, oldBytes));
            if (!same) meta["managedFields"] = stored!.DeepClone();
            _managedFields.Prepare(updated, meta["managedFields"]!, entries, oldBytes);
            return meta["managedFields"];
        }
        else if (recorded.Count > 0)
        {
            var encoded = ManagedFields.Encode(recorded);
            meta["managedFields"] = encoded;
            _managedFields.Prepare(updated, encoded, recorded, oldBytes);
        }
        else
        {
            meta.Remove("managedFields");
        }
        return null;
    }

    // Whether the managedFields a client sent are the stored ones (most clients send back what they read). Compared as
    // bytes first: the stored JSON then stays unparsed, and equal bytes are equal JSON; otherwise node by node.
    private static bool SameAsStored(JsonNode sent, JsonArray? stored, byte[]? storedBytes)
    {
        if (stored is null) return false;
        if (storedBytes is not null && ObjectEncoding.TryGetRawMetadataField(storedBytes, "managedFields", out var raw) && ObjectEncoding.EncodesTo(sent, raw))
        {
            return true;
        }
        return JsonNode.DeepEquals(sent, stored);
    }

    private static bool SameEntries(IReadOnlyList<ManagedFieldsEntry> a, IReadOnlyList<ManagedFieldsEntry> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!ReferenceEquals(a[i], b[i])) return false;
        }
        return true;
    }

    // Writes to the main resource of a kind with a status subresource never own status; /status writes own only status.
    private static Func<FieldSet, FieldSet>? FieldScope(RequestScope scope)
    {
        if (!scope.Definition.HasStatusSubresource) return null;
        return scope.Subresource == "status" ? s_onlyStatus : s_withoutStatus;
    }

    private static readonly string s_status = FieldSet.Field("status");
    private static readonly Func<FieldSet, FieldSet> s_onlyStatus = set => set.OnlySubtree(s_status);
    private static readonly Func<FieldSet, FieldSet> s_withoutStatus = set => set.WithoutSubtree(s_status);
}

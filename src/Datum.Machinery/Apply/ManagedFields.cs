using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;

namespace Datum.Machinery.Apply;

/// <summary>One entry of <c>metadata.managedFields</c>.</summary>
public sealed record ManagedFieldsEntry(string Manager, string Operation, string? ApiVersion, string? Time, FieldSet Fields, string? Subresource)
{
    /// <summary>The <c>Apply</c> operation.</summary>
    public const string ApplyOperation = "Apply";

    /// <summary>The <c>Update</c> operation (create, update and non-apply patch).</summary>
    public const string UpdateOperation = "Update";

    /// <summary>Whether this entry belongs to <paramref name="manager"/> doing <paramref name="operation"/> through <paramref name="subresource"/>.</summary>
    public bool Is(string manager, string operation, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? "") == (subresource ?? "");

    /// <summary>How conflicts name this manager: <c>"kubectl"</c>, <c>"kubectl-edit" using v1</c>.</summary>
    public string Describe()
    {
        var text = $"\"{Manager}\"";
        if (!string.IsNullOrEmpty(Subresource)) text += $" with subresource \"{Subresource}\"";
        if (Operation == UpdateOperation) text += $" using {ApiVersion}";
        return text;
    }
}

/// <summary>One field another manager owns that an apply would change.</summary>
public sealed record FieldConflict(ManagedFieldsEntry Owner, IReadOnlyList<string> Path)
{
    /// <summary>The path as Kubernetes prints it (<c>.data.key</c>).</summary>
    public string Field => FieldSet.Describe(Path);

    /// <summary><c>conflict with "other": .data.key</c>.</summary>
    public override string ToString() => $"conflict with {Owner.Describe()}: {Field}";
}

/// <summary>
/// The bookkeeping of <c>metadata.managedFields</c>, following structured-merge-diff's model: Update operations
/// take the fields they changed from everyone else; Apply operations own exactly what they applied, conflict on
/// fields others own with different values (unless forced), and remove what they stopped applying and nobody
/// else owns.
/// </summary>
public static class ManagedFields
{
    /// <summary>What an apply produced: the merged object (without managedFields) and the new entries.</summary>
    public sealed record ApplyResult(JsonObject Object, IReadOnlyList<ManagedFieldsEntry> Entries);

    private static readonly string[] SystemMetadata =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "selfLink", "managedFields", "generateName",
    ];

    /// <summary>Whether a client sent <c>managedFields: [{}]</c>, which strips managedFields.</summary>
    public static bool IsReset(JsonNode? managedFields) =>
        managedFields is JsonArray { Count: 1 } array && array[0] is JsonObject { Count: 0 };

    /// <summary>The entries of a <c>managedFields</c> value, or null when it is absent, empty or not well-formed.</summary>
    public static List<ManagedFieldsEntry>? Decode(JsonNode? managedFields)
    {
        if (managedFields is not JsonArray { Count: > 0 } array) return null;
        var result = new List<ManagedFieldsEntry>();
        try
        {
            foreach (var item in array)
            {
                if (item is not JsonObject entry) return null;
                var manager = Str(entry, "manager") ?? "";
                var operation = Str(entry, "operation");
                if (operation is not (ManagedFieldsEntry.ApplyOperation or ManagedFieldsEntry.UpdateOperation)) return null;
                if (Str(entry, "fieldsType") is { } type && type != "FieldsV1") return null;
                var fields = entry["fieldsV1"] is null ? new FieldSet() : FieldSet.FromFieldsV1(entry["fieldsV1"]);
                result.Add(new ManagedFieldsEntry(manager, operation, Str(entry, "apiVersion"), Str(entry, "time"), fields, Str(entry, "subresource")));
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return null;
        }
        return result;
    }

    /// <summary>The <c>managedFields</c> JSON of <paramref name="entries"/>.</summary>
    public static JsonArray Encode(IEnumerable<ManagedFieldsEntry> entries)
    {
        var result = new JsonArray();
        foreach (var entry in entries)
        {
            var json = new JsonObject { ["manager"] = entry.Manager, ["operation"] = entry.Operation };
            if (entry.ApiVersion is not null) json["apiVersion"] = entry.ApiVersion;
            if (entry.Time is not null) json["time"] = entry.Time;
            json["fieldsType"] = "FieldsV1";
            json["fieldsV1"] = entry.Fields.ToFieldsV1();
            if (!string.IsNullOrEmpty(entry.Subresource)) json["subresource"] = entry.Subresource;
            result.Add(json);
        }
        return result;
    }

    /// <summary>The set without fields the server owns (apiVersion, kind, name, namespace, uid, resourceVersion, ...).</summary>
    public static FieldSet WithoutSystemFields(FieldSet set) =>
        // metadata itself is always there; only what is inside it is owned.
        set.Without(RootSystemElements, MetadataElement, SystemMetadataElements);

    private static readonly string ApiVersionElement = FieldSet.Field("apiVersion");
    private static readonly string KindElement = FieldSet.Field("kind");
    private static readonly string MetadataElement = FieldSet.Field("metadata");
    private static readonly string[] SystemMetadataElements = [.. SystemMetadata.Select(FieldSet.Field)];
    private static readonly string[] RootSystemElements = [ApiVersionElement, KindElement];

    // The fields WithoutSystemFields drops from a comparison, so it need not compare them (managedFields is the
    // largest part of most objects' metadata). Never changed after it is built.
    private static readonly FieldSet SystemFields = BuildSystemFields();

    private static FieldSet BuildSystemFields()
    {
        var set = new FieldSet();
        set.Insert([ApiVersionElement]);
        set.Insert([KindElement]);
        foreach (var element in SystemMetadataElements) set.Insert([MetadataElement, element]);
        return set;
    }

    /// <summary>
    /// Records a non-apply write by <paramref name="manager"/>: it takes the fields that changed from
    /// <paramref name="before"/> to <paramref name="after"/> (limited by <paramref name="scope"/>); removed fields leave
    /// every entry; empty entries are dropped. Returns <paramref name="entries"/> itself when nothing changed.
    /// </summary>
    public static IReadOnlyList<ManagedFieldsEntry> RecordUpdate(SchemaNode schema, IReadOnlyList<ManagedFieldsEntry> entries, JsonObject? before, JsonObject after,
        string manager, string apiVersion, string? subresource, string time, Func<FieldSet, FieldSet>? scope = null)
    {
        scope ??= s => s;
        var comparison = SchemaFields.Compare(schema, before ?? [], after, SystemFields);
        var changed = scope(WithoutSystemFields(comparison.Changed));
        var removed = WithoutSystemFields(comparison.Removed);
        if (changed.IsEmpty && removed.IsEmpty) return entries;

        var result = new List<ManagedFieldsEntry>();
        var mineAt = -1;
        ManagedFieldsEntry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.Is(manager, ManagedFieldsEntry.UpdateOperation, subresource) && previous is null)
            {
                previous = entry;
                mineAt = result.Count;
                continue;
            }
            // Most writes touch fields other managers do not own: keep those entries without copying their sets.
            if (!entry.Fields.Overlaps(changed) && !entry.Fields.Overlaps(removed))
            {
                if (!entry.Fields.IsEmpty) result.Add(entry);
                continue;
            }
            var fields = entry.Fields.Difference(changed).Difference(removed);
            if (fields.IsEmpty) continue;
            result.Add(fields.Equals(entry.Fields) ? entry : entry with { Fields = fields });
        }
        // The usual controller write changes values inside fields its manager already owns: its set stays as it is,
        // without the two copies of the whole set that computing it costs.
        var mine = previous is not null && changed.IsSubsetOf(previous.Fields) && !removed.Overlaps(previous.Fields)
            ? previous.Fields
            : (previous?.Fields ?? new FieldSet()).Union(changed).Difference(removed);
        if (!mine.IsEmpty)
        {
            var entry = previous is not null && mine.Equals(previous.Fields)
                ? previous
                : new ManagedFieldsEntry(manager, ManagedFieldsEntry.UpdateOperation, apiVersion, time, mine, subresource);
            if (mineAt >= 0) result.Insert(mineAt, entry);
            else result.Add(entry);
        }
        return result;
    }

    /// <summary>
    /// Applies <paramref name="config"/> for <paramref name="manager"/> to <paramref name="live"/> (null: the object
    /// does not exist yet). Throws a 409 Conflict listing the fields other managers own with different values, unless
    /// <paramref name="force"/> transfers them.
    /// </summary>
    public static ApplyResult Apply(SchemaNode schema, IReadOnlyList<ManagedFieldsEntry> entries, JsonObject? live, JsonObject config,
        string manager, string apiVersion, string? subresource, bool force, string time, Func<FieldSet, FieldSet>? scope = null)
    {
        scope ??= s => s;
        var applied = (JsonObject)ApplyMerge.WithoutNulls(config)!;
        if (applied["metadata"] is JsonObject appliedMeta) appliedMeta.Remove("managedFields");
        var current = (JsonObject)(live?.DeepClone() ?? new JsonObject());
        if (current["metadata"] is JsonObject currentMeta) currentMeta.Remove("managedFields");

        var configSet = scope(WithoutSystemFields(SchemaFields.FromObject(schema, applied)));
        var merged = (JsonObject)ApplyMerge.Merge(schema, current, applied)!;
        var changed = scope(WithoutSystemFields(SchemaFields.Compare(schema, current, merged).Changed));

        ManagedFieldsEntry? previous = null;
        var others = new List<ManagedFieldsEntry>();
        var conflicts = new List<FieldConflict>();
        foreach (var entry in entries)
        {
            if (previous is null && entry.Is(manager, ManagedFieldsEntry.ApplyOperation, subresource))
            {
                previous = entry;
                others.Add(entry);
                continue;
            }
            var overlap = entry.Fields.Intersection(changed);
            conflicts.AddRange(overlap.Paths().Select(p => new FieldConflict(entry, p)));
            others.Add(overlap.IsEmpty ? entry : entry with { Fields = entry.Fields.Difference(overlap) });
        }
        if (conflicts.Count > 0 && !force) throw ConflictError(conflicts);

        var othersOwn = new FieldSet();
        foreach (var entry in others)
        {
            if (!ReferenceEquals(entry, previous)) othersOwn = othersOwn.Union(entry.Fields);
        }
        if (previous is not null)
        {
            var dropped = previous.Fields.Difference(configSet).Difference(othersOwn);
            ApplyMerge.Remove(schema, merged, dropped, othersOwn);
        }

        var unchanged = previous is not null && previous.Fields.Equals(configSet) && JsonNode.DeepEquals(current, merged);
        var mine = unchanged ? previous! : new ManagedFieldsEntry(manager, ManagedFieldsEntry.ApplyOperation, apiVersion, time, configSet, subresource);
        var result = new List<ManagedFieldsEntry>();
        foreach (var entry in others)
        {
            if (ReferenceEquals(entry, previous))
            {
                if (!configSet.IsEmpty) result.Add(mine);
            }
            else if (!entry.Fields.IsEmpty)
            {
                result.Add(entry);
            }
        }
        if (previous is null && !configSet.IsEmpty) result.Add(mine);
        return new ApplyResult(merged, result);
    }

    /// <summary>The 409 Kubernetes answers for apply conflicts.</summary>
    public static ApiException ConflictError(IReadOnlyList<FieldConflict> conflicts)
    {
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: {conflicts[0]}";
        }
        else
        {
            var lines = new List<string>();
            foreach (var group in conflicts.GroupBy(c => c.Owner.Describe()).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                lines.Add($"conflicts with {group.Key}:");
                lines.AddRange(group.Select(c => $"- {c.Field}"));
            }
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }
        return new ApiException(409, "Conflict", message)
        {
            Causes = conflicts.Select(c => new FieldError(FieldErrorType.FieldManagerConflict, c.Field, c.ToString())).ToList(),
        };
    }

    private static string? Str(JsonObject obj, string name) => obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Datum.Machinery.Schema;

namespace Datum.Machinery.Apply;

/// <summary>How a schema node merges under server-side apply, following structured-merge-diff's rules.</summary>
public enum MergeKind
{
    /// <summary>A scalar, or anything replaced as a whole (atomic lists, atomic maps).</summary>
    Atomic,
    /// <summary>An object or map, granular by key.</summary>
    Map,
    /// <summary>A list of objects identified by <c>x-kubernetes-list-map-keys</c>.</summary>
    MapList,
    /// <summary>A list of unique scalars.</summary>
    SetList,
}

/// <summary>Field sets of objects, computed with their schema: which paths an object sets and which differ between two.</summary>
public static class SchemaFields
{
    /// <summary>The result of <see cref="Compare"/>.</summary>
    public sealed record Comparison(FieldSet Added, FieldSet Modified, FieldSet Removed)
    {
        /// <summary>Added or modified paths: what a write set.</summary>
        public FieldSet Changed => Added.Union(Modified);

        /// <summary>Whether nothing differs.</summary>
        public bool IsSame => Added.IsEmpty && Modified.IsEmpty && Removed.IsEmpty;
    }

    /// <summary>How <paramref name="value"/> merges under <paramref name="schema"/> (null schema: objects granular, lists atomic).</summary>
    public static MergeKind KindOf(SchemaNode? schema, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject:
                if (schema is not null && Extension(schema, "x-kubernetes-map-type") == "atomic") return MergeKind.Atomic;
                return MergeKind.Map;
            case JsonArray array:
                var type = schema is null ? null : Extension(schema, "x-kubernetes-list-type");
                if (type == "set") return AllValues(array) ? MergeKind.SetList : MergeKind.Atomic;
                if (type == "map" && MapKeys(schema).Count > 0) return AllObjects(array) ? MergeKind.MapList : MergeKind.Atomic;
                return MergeKind.Atomic;
            default:
                return MergeKind.Atomic;
        }
    }

    /// <summary>The <c>x-kubernetes-list-map-keys</c> of a list schema.</summary>
    public static IReadOnlyList<string> MapKeys(SchemaNode? schema) => schema is null ? [] : MapKeysCache.GetValue(schema, ReadMapKeys);

    // Every write compares objects field by field and looks the keys of each map-list item up: read them once per schema.
    private static readonly ConditionalWeakTable<SchemaNode, string[]> MapKeysCache = new();

    private static string[] ReadMapKeys(SchemaNode schema)
    {
        if (schema.Extensions is null || !schema.Extensions.TryGetValue("x-kubernetes-list-map-keys", out var keys) || keys is not JsonArray array) return [];
        return [.. array.Select(k => k is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>()];
    }

    private static bool AllValues(JsonArray array)
    {
        foreach (var item in array)
        {
            if (item is not JsonValue) return false;
        }
        return true;
    }

    private static bool AllObjects(JsonArray array)
    {
        foreach (var item in array)
        {
            if (item is not JsonObject) return false;
        }
        return true;
    }

    /// <summary>The schema of field or key <paramref name="name"/> of an object, or null when unknown (granular by key below).</summary>
    public static SchemaNode? Child(SchemaNode? schema, string name)
    {
        if (schema is null) return null;
        if (schema.Properties is { } properties && properties.TryGetValue(name, out var property)) return property;
        return schema.AdditionalProperties;
    }

    /// <summary>The path element of <paramref name="item"/> in a list of kind <paramref name="kind"/>.</summary>
    public static string ItemElement(MergeKind kind, SchemaNode? listSchema, JsonNode? item) =>
        kind == MergeKind.MapList ? FieldSet.Key((JsonObject)item!, MapKeys(listSchema)) : FieldSet.Value(item);

    /// <summary>Every path <paramref name="obj"/> sets: leaves, list items, atomic values and empty maps.</summary>
    public static FieldSet FromObject(SchemaNode? schema, JsonNode? obj)
    {
        var set = new FieldSet();
        if (obj is JsonObject o)
        {
            foreach (var (name, value) in o) Collect(Child(schema, name), value, set.Child(FieldSet.Field(name)));
        }
        // Empty branches (an empty map-list or set-list) may remain: every set operation ignores them.
        return set;
    }

    /// <summary>
    /// Which paths were added, modified or removed going from <paramref name="before"/> to <paramref name="after"/>;
    /// fields of an object that are members of <paramref name="skip"/> are not compared at all (a caller that drops
    /// them from the result anyway saves the work).
    /// </summary>
    public static Comparison Compare(SchemaNode? schema, JsonObject before, JsonObject after, FieldSet? skip = null)
    {
        var added = new FieldSet();
        var modified = new FieldSet();
        var removed = new FieldSet();
        Diff(schema, before, after, [], added, modified, removed, skip);
        // Not cloned to trim empty branches (an empty list added or removed): every set operation ignores them.
        return new Comparison(added, modified, removed);
    }

    private static void Collect(SchemaNode? schema, JsonNode? value, FieldSet at)
    {
        switch (KindOf(schema, value))
        {
            case MergeKind.Map:
                var obj = (JsonObject)value!;
                if (obj.Count == 0) at.InsertSelf();
                foreach (var (name, child) in obj) Collect(Child(schema, name), child, at.Child(FieldSet.Field(name)));
                break;
            case MergeKind.MapList:
                foreach (var item in (JsonArray)value!)
                {
                    var node = at.Child(ItemElement(MergeKind.MapList, schema, item));
                    node.InsertSelf();
                    foreach (var (name, child) in (JsonObject)item!) Collect(Child(schema!.Items, name), child, node.Child(FieldSet.Field(name)));
                }
                break;
            case MergeKind.SetList:
                foreach (var item in (JsonArray)value!) at.Child(FieldSet.Value(item)).InsertSelf();
                break;
            default:
                at.InsertSelf();
                break;
        }
    }

    private static void Diff(SchemaNode? schema, JsonNode? before, JsonNode? after, List<string> path, FieldSet added, FieldSet modified, FieldSet removed,
        FieldSet? skip = null)
    {
        var kind = KindOf(schema, after);
        if (kind != KindOf(schema, before) || kind == MergeKind.Atomic)
        {
            if (JsonNode.DeepEquals(before, after)) return;
            modified.Insert(path);
            if (kind != MergeKind.Atomic) Collect(schema, after, modified.Node(path));
            return;
        }
        switch (kind)
        {
            case MergeKind.Map:
            {
                var a = (JsonObject)before!;
                var b = (JsonObject)after!;
                foreach (var (name, value) in b)
                {
                    FieldSet? skipBelow = null;
                    if (skip is not null && skip.Children.TryGetValue(FieldSet.Field(name), out skipBelow) && skipBelow.IsMember) continue;
                    // Most of an object is unchanged by a write (all of spec on a status write): equal JSON differs
                    // nowhere, and comparing it costs far less than walking it with paths and list indexes. Not across
                    // skipped fields, though: not comparing those is the point of skipping them.
                    var existed = a.TryGetPropertyValue(name, out var old);
                    if (existed && skipBelow is null && JsonNode.DeepEquals(old, value)) continue;
                    path.Add(FieldSet.Field(name));
                    if (existed) Diff(Child(schema, name), old, value, path, added, modified, removed, skipBelow);
                    else AddSubtree(Child(schema, name), value, path, added);
                    path.RemoveAt(path.Count - 1);
                }
                foreach (var (name, value) in a)
                {
                    if (b.ContainsKey(name)) continue;
                    if (skip is not null && skip.Children.TryGetValue(FieldSet.Field(name), out var skipped) && skipped.IsMember) continue;
                    path.Add(FieldSet.Field(name));
                    AddSubtree(Child(schema, name), value, path, removed);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            }
            case MergeKind.MapList:
            case MergeKind.SetList:
            {
                var a = Index(kind, schema, (JsonArray)before!);
                var b = Index(kind, schema, (JsonArray)after!);
                foreach (var (element, value) in b)
                {
                    path.Add(element);
                    if (a.TryGetValue(element, out var old))
                    {
                        if (kind == MergeKind.MapList) Diff(schema!.Items, old, value, path, added, modified, removed);
                    }
                    else
                    {
                        added.Insert(path);
                        if (kind == MergeKind.MapList) Collect(schema!.Items, value, added.Node(path));
                    }
                    path.RemoveAt(path.Count - 1);
                }
                foreach (var (element, value) in a)
                {
                    if (b.ContainsKey(element)) continue;
                    path.Add(element);
                    removed.Insert(path);
                    if (kind == MergeKind.MapList) Collect(schema!.Items, value, removed.Node(path));
                    path.RemoveAt(path.Count - 1);
                }
                break;
            }
        }
    }

    private static void AddSubtree(SchemaNode? schema, JsonNode? value, List<string> path, FieldSet set)
    {
        var node = set.Node(path);
        node.InsertSelf();
        Collect(schema, value, node);
    }

    /// <summary>The items of a map-list or set-list by path element (a repeated key keeps the last item).</summary>
    public static Dictionary<string, JsonNode?> Index(MergeKind kind, SchemaNode? schema, JsonArray list)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in list) result[ItemElement(kind, schema, item)] = item;
        return result;
    }

    private static string? Extension(SchemaNode schema, string name) =>
        schema.Extensions is { } extensions && extensions.TryGetValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

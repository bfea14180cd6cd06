using System.Text.Json.Nodes;
using Datum.Machinery.Schema;

namespace Datum.Machinery.Apply;

/// <summary>
/// The value side of server-side apply: merging an applied configuration into a live object by the schema (maps and
/// structs granular, map-lists by their keys, set-lists as sets, everything else replaced), and removing fields.
/// </summary>
public static class ApplyMerge
{
    /// <summary>A copy of <paramref name="node"/> without null-valued fields (an applied null sets nothing).</summary>
    public static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    if (value is not null) result[name] = WithoutNulls(value);
                }
                return result;
            case JsonArray array:
                return new JsonArray(array.Select(WithoutNulls).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>The live value with <paramref name="config"/> merged in; neither input is changed.</summary>
    public static JsonNode? Merge(SchemaNode? schema, JsonNode? live, JsonNode? config)
    {
        var kind = SchemaFields.KindOf(schema, config);
        if (live is null || kind != SchemaFields.KindOf(schema, live) || kind == MergeKind.Atomic) return config?.DeepClone();
        switch (kind)
        {
            case MergeKind.Map:
            {
                var result = (JsonObject)live.DeepClone();
                foreach (var (name, value) in (JsonObject)config!)
                {
                    result[name] = Merge(SchemaFields.Child(schema, name), result[name], value);
                }
                return result;
            }
            default:
            {
                // Live items keep their places (merged with their applied counterparts); new items follow in applied order.
                var items = ((JsonArray)live).Select(i => i?.DeepClone()).ToList();
                var positions = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < items.Count; i++) positions[SchemaFields.ItemElement(kind, schema, items[i])] = i;
                foreach (var item in (JsonArray)config!)
                {
                    var element = SchemaFields.ItemElement(kind, schema, item);
                    if (positions.TryGetValue(element, out var at))
                    {
                        if (kind == MergeKind.MapList) items[at] = Merge(schema!.Items, items[at], item);
                    }
                    else
                    {
                        positions[element] = items.Count;
                        items.Add(item?.DeepClone());
                    }
                }
                return new JsonArray(items.ToArray());
            }
        }
    }

    /// <summary>
    /// Removes the member paths of <paramref name="remove"/> from <paramref name="obj"/> in place, except where
    /// <paramref name="keep"/> holds a path at or below one (then only what lies below is considered).
    /// </summary>
    public static void Remove(SchemaNode? schema, JsonObject obj, FieldSet remove, FieldSet keep) => RemoveFrom(schema, obj, remove, keep);

    private static void RemoveFrom(SchemaNode? schema, JsonNode? node, FieldSet remove, FieldSet? keep)
    {
        foreach (var (element, child) in remove.Children)
        {
            FieldSet? keepChild = null;
            keep?.Children.TryGetValue(element, out keepChild);
            var keepsSomething = keepChild is not null && !keepChild.IsEmpty;
            if (node is JsonObject obj && element.StartsWith("f:", StringComparison.Ordinal))
            {
                var name = element[2..];
                if (!obj.TryGetPropertyValue(name, out var value)) continue;
                if (child.IsMember && !keepsSomething) obj.Remove(name);
                else RemoveFrom(SchemaFields.Child(schema, name), value, child, keepChild);
            }
            else if (node is JsonArray array)
            {
                var kind = SchemaFields.KindOf(schema, array);
                if (kind is not (MergeKind.MapList or MergeKind.SetList)) continue;
                for (var i = array.Count - 1; i >= 0; i--)
                {
                    if (SchemaFields.ItemElement(kind, schema, array[i]) != element) continue;
                    if (child.IsMember && !keepsSomething) array.RemoveAt(i);
                    else RemoveFrom(schema!.Items, array[i], child, keepChild);
                }
            }
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Patch;

/// <summary>
/// Kubernetes strategic merge patch (<c>application/strategic-merge-patch+json</c>) for built-in
/// kinds, as sent by kubectl's client-side apply, edit and patch.
/// </summary>
public static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    /// <summary>
    /// Applies <paramref name="patch"/> to <paramref name="original"/> and returns a new object;
    /// the inputs are not modified. Maps merge recursively and a null value deletes a key. Lists
    /// merge by the <paramref name="schema"/> rules (by merge key, or as a set of scalars) and are
    /// otherwise replaced. Directives: <c>$patch: replace</c> (use the map or list as given),
    /// <c>$patch: delete</c> (in a map: empty it, as Kubernetes does; in a list item: remove the item
    /// with that merge key), <c>$patch: merge</c> (the default), <c>$setElementOrder/&lt;field&gt;</c>,
    /// <c>$deleteFromPrimitiveList/&lt;field&gt;</c> and <c>$retainKeys</c>.
    /// </summary>
    /// <exception cref="PatchException">
    /// <see cref="PatchErrorKind.Malformed"/> when the patch or a directive is invalid, e.g. an item
    /// of a merging list lacks its merge key.
    /// </exception>
    public static JsonNode Apply(JsonNode original, JsonNode patch, StrategicMergeSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (original is not JsonObject originalObject)
        {
            throw Malformed("the object to patch must be a JSON object");
        }
        if (patch is not JsonObject patchObject)
        {
            throw Malformed("a strategic merge patch must be a JSON object");
        }
        return MergeMap((JsonObject)originalObject.DeepClone(), patchObject, string.Empty, schema);
    }

    private static PatchException Malformed(string message) => new(PatchErrorKind.Malformed, message);

    private static string Join(string path, string field) => path.Length == 0 ? field : path + "." + field;

    private static string Where(string path) => path.Length == 0 ? "the object root" : path;

    // original is a private copy and may be mutated; patch is only read.
    private static JsonObject MergeMap(JsonObject original, JsonObject patch, string path, StrategicMergeSchema schema)
    {
        if (patch.TryGetPropertyValue(PatchDirective, out var directiveNode))
        {
            switch (DirectiveText(directiveNode, path))
            {
                case "replace":
                {
                    var replacement = (JsonObject)patch.DeepClone();
                    replacement.Remove(PatchDirective);
                    return replacement;
                }
                case "delete":
                    return new JsonObject();
                case "merge":
                    break;
                default:
                    throw Malformed($"unknown $patch directive \"{DirectiveText(directiveNode, path)}\" at {Where(path)}");
            }
        }

        if (patch.TryGetPropertyValue(RetainKeysDirective, out var retainNode))
        {
            ApplyRetainKeys(original, retainNode, path);
        }

        var handled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                var field = key[SetElementOrderPrefix.Length..];
                ApplySetElementOrder(original, patch, field, value, path, schema);
                handled.Add(field);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key is PatchDirective or RetainKeysDirective
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)
                || key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)
                || handled.Contains(key))
            {
                continue;
            }
            MergeField(original, key, value, Join(path, key), schema);
        }

        // Deletions run after merging so a patch that adds and removes scalars in one go is
        // independent of member order.
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                DeleteFromPrimitiveList(original, key[DeleteFromPrimitiveListPrefix.Length..], value, path);
            }
        }
        return original;
    }

    private static string DirectiveText(JsonNode? node, string path)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }
        throw Malformed($"$patch at {Where(path)} must be a string");
    }

    private static void MergeField(JsonObject original, string key, JsonNode? patchValue, string fieldPath, StrategicMergeSchema schema)
    {
        if (patchValue is null)
        {
            original.Remove(key);
            return;
        }
        original.TryGetPropertyValue(key, out var existing);
        switch (existing, patchValue)
        {
            case (JsonObject existingMap, JsonObject patchMap):
            {
                var merged = MergeMap(existingMap, patchMap, fieldPath, schema);
                if (!ReferenceEquals(merged, existingMap))
                {
                    original[key] = merged;
                }
                break;
            }
            case (JsonArray existingList, JsonArray patchList):
                original[key] = MergeList(existingList, patchList, fieldPath, schema);
                break;
            default:
                // Absent, null or of another type: the patch value wins, with its own directives
                // and nulls resolved against nothing.
                original[key] = Fresh(patchValue, fieldPath, schema);
                break;
        }
    }

    private static JsonNode Fresh(JsonNode patchValue, string path, StrategicMergeSchema schema) => patchValue switch
    {
        JsonObject map => MergeMap(new JsonObject(), map, path, schema),
        JsonArray list => MergeList(new JsonArray(), list, path, schema),
        _ => patchValue.DeepClone(),
    };

    private static void ApplyRetainKeys(JsonObject original, JsonNode? retainNode, string path)
    {
        if (retainNode is not JsonArray retainList)
        {
            throw Malformed($"$retainKeys at {Where(path)} must be a list of field names");
        }
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in retainList)
        {
            if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                throw Malformed($"$retainKeys at {Where(path)} must be a list of field names");
            }
            keep.Add(v.GetValue<string>());
        }
        foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            original.Remove(key);
        }
    }

    private static void ApplySetElementOrder(
        JsonObject original, JsonObject patch, string field, JsonNode? orderNode, string path, StrategicMergeSchema schema)
    {
        var fieldPath = Join(path, field);
        if (orderNode is not JsonArray order)
        {
            throw Malformed($"$setElementOrder/{field} at {Where(path)} must be a list");
        }

        original.TryGetPropertyValue(field, out var existing);
        var existingList = existing as JsonArray ?? [];
        var hasPatchList = patch.TryGetPropertyValue(field, out var patchValue);
        if (hasPatchList && patchValue is null)
        {
            original.Remove(field);
            return;
        }
        if (hasPatchList && patchValue is not JsonArray)
        {
            original[field] = Fresh(patchValue!, fieldPath, schema);
            return;
        }

        var merged = hasPatchList
            ? MergeList(existingList, (JsonArray)patchValue!, fieldPath, schema)
            : (JsonArray)existingList.DeepClone();
        var mergeKey = schema.ListAt(fieldPath)?.MergeKey;
        var items = merged.Select(n => n?.DeepClone()).ToList();
        var ordered = items.Where(i => IndexOf(order, i, mergeKey) >= 0).ToList();
        var serverOnly = items.Where(i => IndexOf(order, i, mergeKey) < 0).ToList();
        var result = NormalizeOrder(ordered, serverOnly, order, existingList, mergeKey);

        if (result.Count > 0 || existing is not null)
        {
            original[field] = result;
        }
    }

    private static void DeleteFromPrimitiveList(JsonObject original, string field, JsonNode? valuesNode, string path)
    {
        if (valuesNode is not JsonArray values)
        {
            throw Malformed($"$deleteFromPrimitiveList/{field} at {Where(path)} must be a list");
        }
        if (!original.TryGetPropertyValue(field, out var existing) || existing is not JsonArray list)
        {
            return;
        }
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (values.Any(v => JsonNode.DeepEquals(v, list[i])))
            {
                list.RemoveAt(i);
            }
        }
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, string path, StrategicMergeSchema schema)
    {
        var rule = schema.ListAt(path);
        if (rule is null || (rule.MergeKey is null && !rule.MergePrimitives))
        {
            // Atomic list: the patch's list is the new value.
            return (JsonArray)patch.DeepClone();
        }
        if (original.Count == 0 && patch.Count == 0)
        {
            return [];
        }

        var hasObjects = original.Any(n => n is JsonObject) || patch.Any(n => n is JsonObject);
        return hasObjects
            ? MergeObjectList(original, patch, path, rule, schema)
            : MergePrimitiveList(original, patch);
    }

    private static JsonArray MergePrimitiveList(JsonArray original, JsonArray patch)
    {
        var merged = new List<JsonNode?>();
        foreach (var item in original.Concat(patch))
        {
            if (!merged.Any(m => JsonNode.DeepEquals(m, item)))
            {
                merged.Add(item?.DeepClone());
            }
        }
        var fromPatch = merged.Where(m => IndexOf(patch, m, null) >= 0).ToList();
        var serverOnly = merged.Where(m => IndexOf(patch, m, null) < 0).ToList();
        return NormalizeOrder(fromPatch, serverOnly, patch, original, null);
    }

    private static JsonArray MergeObjectList(
        JsonArray original, JsonArray patch, string path, ListRule rule, StrategicMergeSchema schema)
    {
        var mergeKey = rule.MergeKey
            ?? throw Malformed($"cannot merge lists without merge key for {path}");
        if (original.Any(n => n is not JsonObject) || patch.Any(n => n is not JsonObject))
        {
            throw Malformed($"the list {path} mixes objects with other values and cannot be merged on \"{mergeKey}\"");
        }

        var items = original.Select(n => (JsonObject)n!.DeepClone()).ToList();
        var patchItems = new List<JsonObject>();
        var replace = false;
        foreach (var node in patch)
        {
            var item = (JsonObject)node!;
            if (!item.TryGetPropertyValue(PatchDirective, out var directive))
            {
                patchItems.Add(item);
                continue;
            }
            switch (DirectiveText(directive, path))
            {
                case "delete":
                {
                    var keyValue = MergeKeyValue(item, mergeKey, path);
                    items.RemoveAll(i => i.TryGetPropertyValue(mergeKey, out var v) && JsonNode.DeepEquals(v, keyValue));
                    break;
                }
                case "replace":
                    // The rest of the list (without directive items) replaces the original.
                    replace = true;
                    break;
                case "merge":
                    patchItems.Add(item);
                    break;
                default:
                    throw Malformed($"unknown $patch directive \"{DirectiveText(directive, path)}\" in an item of {path}");
            }
        }

        if (replace)
        {
            items = patchItems.Select(p => MergeMap(new JsonObject(), p, path, schema)).ToList();
        }
        else
        {
            foreach (var item in patchItems)
            {
                var keyValue = MergeKeyValue(item, mergeKey, path);
                var index = items.FindIndex(i => i.TryGetPropertyValue(mergeKey, out var v) && JsonNode.DeepEquals(v, keyValue));
                if (index >= 0)
                {
                    items[index] = MergeMap(items[index], item, path, schema);
                }
                else
                {
                    items.Add(MergeMap(new JsonObject(), item, path, schema));
                }
            }
        }

        var nodes = items.Cast<JsonNode?>().ToList();
        var fromPatch = nodes.Where(n => IndexOf(patch, n, mergeKey) >= 0).ToList();
        var serverOnly = nodes.Where(n => IndexOf(patch, n, mergeKey) < 0).ToList();
        return NormalizeOrder(fromPatch, serverOnly, patch, original, mergeKey);
    }

    private static JsonNode? MergeKeyValue(JsonObject item, string mergeKey, string path)
    {
        if (!item.TryGetPropertyValue(mergeKey, out var value))
        {
            throw Malformed($"an item of {path} does not contain the merge key \"{mergeKey}\": {item.ToJsonString()}");
        }
        return value;
    }

    // Position of item in list: by merge key for objects, by value for scalars; -1 when absent.
    private static int IndexOf(JsonArray list, JsonNode? item, string? mergeKey)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (mergeKey is null)
            {
                if (JsonNode.DeepEquals(list[i], item))
                {
                    return i;
                }
            }
            else if (list[i] is JsonObject candidate && item is JsonObject target
                && candidate.TryGetPropertyValue(mergeKey, out var a)
                && target.TryGetPropertyValue(mergeKey, out var b)
                && JsonNode.DeepEquals(a, b))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// Kubernetes' ordering of a merged list: items named by the patch (or $setElementOrder) follow
    /// that order, and items only the server had keep their original positions relative to them.
    /// </summary>
    private static JsonArray NormalizeOrder(
        List<JsonNode?> fromPatch, List<JsonNode?> serverOnly, JsonArray patchOrder, JsonArray serverOrder, string? mergeKey)
    {
        var right = SortByIndex(fromPatch, patchOrder, mergeKey);
        var left = SortByIndex(serverOnly, serverOrder, mergeKey);
        var result = new JsonArray();
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (j >= right.Count)
            {
                result.Add(Detach(left[i++]));
            }
            else if (i >= left.Count)
            {
                result.Add(Detach(right[j++]));
            }
            else
            {
                var li = IndexOf(serverOrder, left[i], mergeKey);
                var ri = IndexOf(serverOrder, right[j], mergeKey);
                if (li >= 0 && ri >= 0 && li < ri)
                {
                    result.Add(Detach(left[i++]));
                }
                else
                {
                    result.Add(Detach(right[j++]));
                }
            }
        }
        return result;
    }

    private static JsonNode? Detach(JsonNode? node) => node?.Parent is null ? node : node.DeepClone();

    private static List<JsonNode?> SortByIndex(List<JsonNode?> items, JsonArray order, string? mergeKey)
    {
        return items
            .Select((item, position) => (item, position, index: IndexOf(order, item, mergeKey)))
            .OrderBy(t => t.index < 0 ? int.MaxValue : t.index)
            .ThenBy(t => t.position)
            .Select(t => t.item)
            .ToList();
    }
}

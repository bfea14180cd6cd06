using System.Text.Json.Nodes;

namespace Datum.Machinery.Patch;

/// <summary>JSON Merge Patch (RFC 7386), as used for <c>application/merge-patch+json</c>.</summary>
public static class JsonMergePatch
{
    /// <summary>
    /// Applies <paramref name="patch"/> to <paramref name="target"/> and returns a new tree; neither
    /// input is modified. An object patch merges key by key, a null member deletes the key, and any
    /// non-object patch (array, scalar, null) replaces the target wholesale.
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject)
        {
            return patch?.DeepClone();
        }
        return MergeInto(target?.DeepClone(), patch);
    }

    // ownedTarget is a private copy, so it can be mutated freely; patch is only read.
    private static JsonNode MergeInto(JsonNode? ownedTarget, JsonNode patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch.DeepClone();
        }

        var result = ownedTarget as JsonObject ?? new JsonObject();
        foreach (var (key, patchValue) in patchObject)
        {
            if (patchValue is null)
            {
                result.Remove(key);
                continue;
            }
            result.TryGetPropertyValue(key, out var existing);
            var merged = MergeInto(existing, patchValue);
            // An object merged in place is already the child; re-assigning it would re-parent it.
            if (!ReferenceEquals(merged, existing))
            {
                result[key] = merged;
            }
        }
        return result;
    }
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Objects;

/// <summary>Typed access to the standard fields of an unstructured Kubernetes object.</summary>
public static class ObjectFields
{
    /// <summary>The object's <c>metadata</c>, created when missing.</summary>
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta) return meta;
        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    /// <summary>A string field of <c>metadata</c>, or null when absent or not a string.</summary>
    public static string? MetaString(JsonObject obj, string field) =>
        obj["metadata"] is JsonObject meta && meta[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Sets (or with null removes) a string field of <c>metadata</c>.</summary>
    public static void SetMetaString(JsonObject obj, string field, string? value)
    {
        var meta = Metadata(obj);
        if (value is null) meta.Remove(field);
        else meta[field] = value;
    }

    /// <summary><c>metadata.name</c>.</summary>
    public static string? Name(JsonObject obj) => MetaString(obj, "name");

    /// <summary><c>metadata.namespace</c>.</summary>
    public static string? Namespace(JsonObject obj) => MetaString(obj, "namespace");

    /// <summary><c>metadata.resourceVersion</c>.</summary>
    public static string? ResourceVersion(JsonObject obj) => MetaString(obj, "resourceVersion");

    /// <summary><c>metadata.generation</c> (0 when unset).</summary>
    public static long Generation(JsonObject obj) =>
        obj["metadata"] is JsonObject meta && JsonNumbers.TryGetInt64(meta["generation"], out var g) ? g : 0;

    /// <summary><c>metadata.labels</c> or null.</summary>
    public static JsonObject? Labels(JsonObject obj) => obj["metadata"] is JsonObject meta ? meta["labels"] as JsonObject : null;

    /// <summary><c>metadata.finalizers</c> as strings.</summary>
    public static List<string> Finalizers(JsonObject obj)
    {
        var result = new List<string>();
        if (obj["metadata"] is JsonObject meta && meta["finalizers"] is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonValue v && v.TryGetValue<string>(out var s)) result.Add(s);
            }
        }
        return result;
    }

    /// <summary>Reads a string at a dotted path (<c>involvedObject.name</c>), or null.</summary>
    public static string? StringAt(JsonObject obj, string dottedPath)
    {
        JsonNode? node = obj;
        foreach (var part in dottedPath.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
            if (node is null) return null;
        }
        return node is JsonValue value ? value.ToString() : null;
    }

    /// <summary>Formats a time the way <c>metav1.Time</c> does: RFC 3339 with whole seconds, UTC.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an RFC 3339 time with 0–9 fractional digits.</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}

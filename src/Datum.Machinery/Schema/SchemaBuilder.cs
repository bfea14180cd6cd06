using System.Text.Json.Nodes;

namespace Datum.Machinery.Schema;

/// <summary>Short constructors for schemas declared in code.</summary>
public static class SchemaBuilder
{
    /// <summary>A string.</summary>
    public static SchemaNode String(string? description = null, string? format = null) => new() { Type = "string", Description = description, Format = format };

    /// <summary>A string limited to <paramref name="values"/>.</summary>
    public static SchemaNode Enum(string? description, params string[] values) => new() { Type = "string", Description = description, Enum = values };

    /// <summary>A 64-bit integer.</summary>
    public static SchemaNode Integer(string? description = null, double? minimum = null) => new() { Type = "integer", Format = "int64", Description = description, Minimum = minimum };

    /// <summary>A 32-bit integer.</summary>
    public static SchemaNode Int32(string? description = null, double? minimum = null) => new() { Type = "integer", Format = "int32", Description = description, Minimum = minimum };

    /// <summary>A boolean.</summary>
    public static SchemaNode Boolean(string? description = null) => new() { Type = "boolean", Description = description };

    /// <summary>A <c>metav1.Time</c>.</summary>
    public static SchemaNode Time(string? description = null) => new() { Type = "string", Format = "date-time", Description = description };

    /// <summary>A <c>map[string]string</c>.</summary>
    public static SchemaNode StringMap(string? description = null) => new() { Type = "object", Description = description, AdditionalProperties = String() };

    /// <summary>A map whose values follow <paramref name="values"/>.</summary>
    public static SchemaNode Map(SchemaNode values, string? description = null) => new() { Type = "object", Description = description, AdditionalProperties = values };

    /// <summary>An atomic list.</summary>
    public static SchemaNode Array(SchemaNode items, string? description = null) => new() { Type = "array", Items = items, Description = description };

    /// <summary>A list merged by <paramref name="mergeKey"/> under strategic merge patch and server-side apply.</summary>
    public static SchemaNode MapList(SchemaNode items, string mergeKey, string? description = null) => new()
    {
        Type = "array", Items = items, Description = description,
        Extensions = new Dictionary<string, JsonNode>
        {
            ["x-kubernetes-patch-merge-key"] = mergeKey,
            ["x-kubernetes-patch-strategy"] = "merge",
            ["x-kubernetes-list-type"] = "map",
            ["x-kubernetes-list-map-keys"] = new JsonArray(mergeKey),
        },
    };

    /// <summary>A list of unique primitives merged as a set.</summary>
    public static SchemaNode SetList(SchemaNode items, string? description = null) => new()
    {
        Type = "array", Items = items, Description = description,
        Extensions = new Dictionary<string, JsonNode>
        {
            ["x-kubernetes-patch-strategy"] = "merge",
            ["x-kubernetes-list-type"] = "set",
        },
    };

    /// <summary>An object with the given properties.</summary>
    public static SchemaNode Object(string? description, params (string Name, SchemaNode Schema)[] properties) => new()
    {
        Type = "object",
        Description = description,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema, StringComparer.Ordinal),
    };

    /// <summary>Anything at all (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
    public static SchemaNode Any(string? description = null) => new() { Description = description, PreserveUnknownFields = true };

    /// <summary>Returns <paramref name="node"/> with <paramref name="required"/> properties.</summary>
    public static SchemaNode WithRequired(this SchemaNode node, params string[] required) => node with { Required = required };
}

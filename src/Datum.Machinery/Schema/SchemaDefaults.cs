using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Schema;

/// <summary>
/// Structural defaulting, as Kubernetes does for custom resources: wherever the schema declares a
/// <c>default</c> and the object lacks the field (or holds null where null is not allowed), the default is
/// filled in, and defaults below it apply in turn. Schemas without any default cost one cached lookup.
/// </summary>
public static class SchemaDefaults
{
    private static readonly ConditionalWeakTable<SchemaNode, StrongBox<bool>> HasDefaultsCache = new();

    /// <summary>Fills in defaults of <paramref name="schema"/> in <paramref name="obj"/>, in place.</summary>
    public static void Apply(JsonNode? obj, SchemaNode schema)
    {
        if (obj is null || !HasDefaults(schema)) return;
        Walk(obj, schema);
    }

    /// <summary>Whether <paramref name="schema"/> declares a default anywhere below its root.</summary>
    public static bool HasDefaults(SchemaNode schema) =>
        HasDefaultsCache.GetValue(schema, s => new StrongBox<bool>(Compute(s, 0))).Value;

    private static bool Compute(SchemaNode schema, int depth)
    {
        if (depth > 64) return false;
        if (schema.Properties is { } properties)
        {
            foreach (var child in properties.Values)
            {
                if (child.Default is not null || Compute(child, depth + 1)) return true;
            }
        }
        if (schema.Items is { } items && (items.Default is not null || Compute(items, depth + 1))) return true;
        if (schema.AdditionalProperties is { } extra && (extra.Default is not null || Compute(extra, depth + 1))) return true;
        return false;
    }

    private static void Walk(JsonNode node, SchemaNode schema)
    {
        switch (node)
        {
            case JsonObject obj:
                if (schema.Properties is { } properties)
                {
                    foreach (var (name, child) in properties)
                    {
                        var present = obj.TryGetPropertyValue(name, out var value);
                        if (child.Default is { } defaultValue && (!present || (value is null && !child.Nullable)))
                        {
                            value = defaultValue.DeepClone();
                            obj[name] = value;
                        }
                        if (value is not null && HasDefaults(child)) Walk(value, child);
                    }
                }
                else if (schema.AdditionalProperties is { } extra && HasDefaults(extra))
                {
                    foreach (var (_, value) in obj.ToList())
                    {
                        if (value is not null) Walk(value, extra);
                    }
                }
                return;
            case JsonArray array when schema.Items is { } items && HasDefaults(items):
                foreach (var item in array)
                {
                    if (item is not null) Walk(item, items);
                }
                return;
        }
    }
}

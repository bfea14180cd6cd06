using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;

namespace Datum.Machinery.Schema;

/// <summary>
/// The schema rules <see cref="SchemaCheck"/> leaves out, used for custom resources: string <c>minLength</c>,
/// array <c>minItems</c>/<c>maxItems</c>, and list types (<c>x-kubernetes-list-type: set</c> items are unique,
/// <c>map</c> items are unique by their <c>x-kubernetes-list-map-keys</c>).
/// </summary>
public static class SchemaListChecks
{
    /// <summary>Errors of <paramref name="obj"/> against <paramref name="schema"/>; does not change the object.</summary>
    public static IReadOnlyList<FieldError> Run(JsonNode? obj, SchemaNode schema)
    {
        var errors = new List<FieldError>();
        Walk(obj, schema, "", errors, 0);
        return errors;
    }

    private static void Walk(JsonNode? node, SchemaNode schema, string path, List<FieldError> errors, int depth)
    {
        if (node is null || depth > 100) return;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var child = schema.Properties is { } properties && properties.TryGetValue(name, out var c) ? c : schema.AdditionalProperties;
                    if (child is not null) Walk(value, child, path.Length == 0 ? name : $"{path}.{name}", errors, depth + 1);
                }
                return;
            case JsonArray array:
                if (schema.MinItems is { } min && array.Count < min)
                {
                    errors.Add(FieldError.Invalid(path, array.DeepClone(), $"should have at least {min} items"));
                }
                if (schema.MaxItems is { } max && array.Count > max)
                {
                    errors.Add(new FieldError(FieldErrorType.Invalid, path, $"must have at most {max} items", JsonValue.Create(array.Count), true));
                }
                CheckListType(array, schema, path, errors);
                if (schema.Items is { } items)
                {
                    for (var i = 0; i < array.Count; i++) Walk(array[i], items, $"{path}[{i}]", errors, depth + 1);
                }
                return;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && schema.MinLength is { } minLength:
                var text = value.GetValue<string>();
                if (text.Length < minLength)
                {
                    errors.Add(FieldError.Invalid(path, value.DeepClone(), $"should be at least {minLength} chars long"));
                }
                return;
        }
    }

    private static void CheckListType(JsonArray array, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.Extensions is not { } extensions || !extensions.TryGetValue("x-kubernetes-list-type", out var listType)) return;
        switch (listType.ToString())
        {
            case "set":
                for (var i = 0; i < array.Count; i++)
                {
                    for (var j = 0; j < i; j++)
                    {
                        if (JsonNode.DeepEquals(array[i], array[j]))
                        {
                            errors.Add(new FieldError(FieldErrorType.Duplicate, $"{path}[{i}]", "", array[i]?.DeepClone(), true));
                            break;
                        }
                    }
                }
                return;
            case "map":
                var keys = extensions.TryGetValue("x-kubernetes-list-map-keys", out var k) && k is JsonArray keyArray
                    ? keyArray.Select(x => x?.ToString() ?? "").ToList()
                    : [];
                if (keys.Count == 0) return;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not JsonObject item) continue;
                    var key = new JsonObject();
                    foreach (var name in keys)
                    {
                        if (item[name] is { } v) key[name] = v.DeepClone();
                    }
                    if (!seen.Add(key.ToJsonString()))
                    {
                        errors.Add(new FieldError(FieldErrorType.Duplicate, $"{path}[{i}]", "", key, true));
                    }
                }
                return;
        }
    }
}

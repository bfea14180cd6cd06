using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;

namespace Datum.Machinery.Schema;

/// <summary>
/// Reads an OpenAPI v3 schema as a CustomResourceDefinition declares it (<c>openAPIV3Schema</c>, Kubernetes'
/// JSONSchemaProps) into a <see cref="SchemaNode"/>, and checks that it is structural. Validation-only keywords
/// that have no place in <see cref="SchemaNode"/> (<c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>not</c>,
/// <c>x-kubernetes-validations</c>) are ignored.
/// </summary>
public static class OpenApiSchemaReader
{
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "object", "array", "string", "integer", "number", "boolean" };

    private static readonly string[] PassThroughExtensions =
    [
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-embedded-resource",
    ];

    /// <summary>
    /// The schema of a whole custom resource: <paramref name="openApiV3Schema"/> (may be null: anything goes)
    /// with <c>apiVersion</c>, <c>kind</c> and <c>metadata</c> (ObjectMeta) in place.
    /// </summary>
    public static SchemaNode ReadTopLevel(JsonObject? openApiV3Schema)
    {
        var root = openApiV3Schema is null ? new SchemaNode { Type = "object", PreserveUnknownFields = true } : Read(openApiV3Schema);
        var properties = new Dictionary<string, SchemaNode>(root.Properties ?? new Dictionary<string, SchemaNode>(), StringComparer.Ordinal)
        {
            ["apiVersion"] = SchemaBuilder.String("APIVersion defines the versioned schema of this representation of an object."),
            ["kind"] = SchemaBuilder.String("Kind is a string value representing the REST resource this object represents."),
            ["metadata"] = CommonSchemas.ObjectMeta,
        };
        return root with
        {
            Type = "object",
            Properties = properties,
            Required = root.Required?.Where(r => r is not ("apiVersion" or "kind" or "metadata")).ToList(),
        };
    }

    /// <summary>Converts one schema node (and everything below it).</summary>
    public static SchemaNode Read(JsonObject schema) => Read(schema, 0);

    private static SchemaNode Read(JsonObject schema, int depth)
    {
        if (depth > 100) return new SchemaNode { PreserveUnknownFields = true };
        Dictionary<string, SchemaNode>? properties = null;
        if (schema["properties"] is JsonObject props)
        {
            properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
            foreach (var (name, value) in props)
            {
                if (value is JsonObject child) properties[name] = Read(child, depth + 1);
            }
        }
        SchemaNode? additional = schema["additionalProperties"] switch
        {
            JsonObject extra => Read(extra, depth + 1),
            JsonValue v when v.GetValueKind() == JsonValueKind.True => new SchemaNode { PreserveUnknownFields = true },
            _ => null,
        };
        var preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields");
        var embedded = Flag(schema, "x-kubernetes-embedded-resource");
        if (embedded)
        {
            properties ??= new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
            properties.TryAdd("apiVersion", SchemaBuilder.String());
            properties.TryAdd("kind", SchemaBuilder.String());
            properties.TryAdd("metadata", new SchemaNode { Type = "object", PreserveUnknownFields = true });
        }
        Dictionary<string, JsonNode>? extensions = null;
        foreach (var name in PassThroughExtensions)
        {
            if (schema[name] is { } value) (extensions ??= new(StringComparer.Ordinal))[name] = value.DeepClone();
        }
        var type = Text(schema, "type");
        return new SchemaNode
        {
            Type = type,
            Description = Text(schema, "description"),
            Format = Text(schema, "format"),
            Properties = properties,
            AdditionalProperties = additional,
            Items = schema["items"] is JsonObject items ? Read(items, depth + 1) : null,
            Required = schema["required"] is JsonArray required ? required.Select(r => r?.ToString() ?? "").Where(r => r.Length > 0).ToList() : null,
            Enum = schema["enum"] is JsonArray values && (type is null or "string")
                ? values.Where(v => v is JsonValue sv && sv.GetValueKind() == JsonValueKind.String).Select(v => v!.GetValue<string>()).ToList()
                : null,
            Minimum = Number(schema, "minimum"),
            Maximum = Number(schema, "maximum"),
            MinLength = Int(schema, "minLength"),
            MaxLength = Int(schema, "maxLength"),
            MinItems = Int(schema, "minItems"),
            MaxItems = Int(schema, "maxItems"),
            Pattern = Text(schema, "pattern"),
            Nullable = Flag(schema, "nullable"),
            Default = schema["default"]?.DeepClone(),
            PreserveUnknownFields = preserve || (type is null && properties is null && additional is null && schema["items"] is null && !Flag(schema, "x-kubernetes-int-or-string")),
            IntOrString = Flag(schema, "x-kubernetes-int-or-string"),
            Extensions = extensions,
        };
    }

    /// <summary>
    /// Structural-schema errors of <paramref name="schema"/>, reported under <paramref name="path"/>
    /// (for example <c>spec.versions[0].schema.openAPIV3Schema</c>).
    /// </summary>
    public static IReadOnlyList<FieldError> Check(JsonObject schema, string path)
    {
        var errors = new List<FieldError>();
        if (Text(schema, "type") != "object")
        {
            errors.Add(schema["type"] is null
                ? FieldError.Required(path + ".type", "must be object at the root")
                : FieldError.Invalid(path + ".type", schema["type"]?.DeepClone(), "must be object at the root"));
        }
        CheckNode(schema, path, errors, 0);
        return errors;
    }

    private static void CheckNode(JsonObject schema, string path, List<FieldError> errors, int depth)
    {
        if (depth > 100)
        {
            errors.Add(FieldError.Forbidden(path, "the schema is nested too deeply"));
            return;
        }
        var type = schema["type"];
        var typeText = Text(schema, "type");
        var preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields");
        var intOrString = Flag(schema, "x-kubernetes-int-or-string");
        if (type is not null && (typeText is null || !Types.Contains(typeText)))
        {
            errors.Add(FieldError.NotSupported(path + ".type", type.DeepClone(), Types.Order(StringComparer.Ordinal)));
        }
        if (depth > 0 && type is null && !preserve && !intOrString)
        {
            errors.Add(FieldError.Required(path + ".type", "must not be empty for specified object fields"));
        }
        if (intOrString && type is not null)
        {
            errors.Add(FieldError.Invalid(path + ".type", type.DeepClone(), "must be empty if x-kubernetes-int-or-string is true"));
        }
        if (schema["properties"] is not null && schema["additionalProperties"] is JsonObject)
        {
            errors.Add(FieldError.Forbidden(path + ".additionalProperties", "additionalProperties and properties are mutual exclusive"));
        }
        if (schema["properties"] is { } p && p is not JsonObject)
        {
            errors.Add(FieldError.Invalid(path + ".properties", p.DeepClone(), "must be an object"));
        }
        if (typeText == "array" && schema["items"] is not JsonObject)
        {
            errors.Add(FieldError.Required(path + ".items", "must be specified"));
        }
        if (Text(schema, "pattern") is { } pattern)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException e)
            {
                errors.Add(FieldError.Invalid(path + ".pattern", JsonValue.Create(pattern), "must be a valid regular expression, but isn't: " + e.Message));
            }
        }
        if (Text(schema, "x-kubernetes-list-type") is { } listType)
        {
            if (listType is not ("atomic" or "set" or "map"))
            {
                errors.Add(FieldError.NotSupported(path + ".x-kubernetes-list-type", JsonValue.Create(listType), ["atomic", "set", "map"]));
            }
            if (typeText != "array") errors.Add(FieldError.Invalid(path + ".type", type?.DeepClone(), "must be array if x-kubernetes-list-type is specified"));
            if (listType == "map" && schema["x-kubernetes-list-map-keys"] is not JsonArray { Count: > 0 })
            {
                errors.Add(FieldError.Required(path + ".x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"));
            }
        }
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child is JsonObject c) CheckNode(c, $"{path}.properties[{name}]", errors, depth + 1);
                else errors.Add(FieldError.Invalid($"{path}.properties[{name}]", child?.DeepClone(), "must be a schema object"));
            }
        }
        if (schema["items"] is JsonObject items) CheckNode(items, path + ".items", errors, depth + 1);
        if (schema["additionalProperties"] is JsonObject extra) CheckNode(extra, path + ".additionalProperties", errors, depth + 1);
    }

    private static string? Text(JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Flag(JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static double? Number(JsonObject schema, string name) =>
        JsonNumbers.TryGetDouble(schema[name], out var value) ? value : null;

    private static int? Int(JsonObject schema, string name) =>
        JsonNumbers.TryGetInt64(schema[name], out var value) ? (int)Math.Clamp(value, 0, int.MaxValue) : null;
}

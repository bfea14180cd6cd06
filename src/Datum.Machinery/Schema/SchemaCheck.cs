using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Datum.Machinery.Api;

namespace Datum.Machinery.Schema;

/// <summary>
/// Checks an object against its kind's schema: prunes fields the schema does not know (reporting their
/// paths, which <c>fieldValidation</c> turns into errors or warnings) and reports type and value errors.
/// </summary>
public static class SchemaCheck
{
    /// <summary>The outcome of <see cref="Run"/>.</summary>
    public sealed record Result(IReadOnlyList<string> UnknownFields, IReadOnlyList<FieldError> Errors);

    /// <summary>Prunes unknown fields from <paramref name="obj"/> in place and validates the rest.</summary>
    public static Result Run(JsonObject obj, SchemaNode schema)
    {
        var unknown = new List<string>();
        var errors = new List<FieldError>();
        Walk(obj, schema, "", unknown, errors);
        return new Result(unknown, errors);
    }

    private static void Walk(JsonNode? node, SchemaNode schema, string path, List<string> unknown, List<FieldError> errors)
    {
        if (node is null)
        {
            // Null means "unset" for optional fields, as Go's decoder treats it.
            return;
        }
        if (schema.IntOrString)
        {
            if (node is JsonValue iv && (iv.GetValueKind() is JsonValueKind.String or JsonValueKind.Number)) return;
            errors.Add(new FieldError(FieldErrorType.TypeInvalid, path, "must be an integer or a string", node, true));
            return;
        }
        switch (schema.Type)
        {
            case "object":
                if (node is not JsonObject obj)
                {
                    errors.Add(TypeError(path, node, "object"));
                    return;
                }
                WalkObject(obj, schema, path, unknown, errors);
                return;
            case "array":
                if (node is not JsonArray array)
                {
                    errors.Add(TypeError(path, node, "array"));
                    return;
                }
                if (schema.Items is { } items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], items, $"{path}[{i}]", unknown, errors);
                    }
                }
                return;
            case "string":
                if (node is not JsonValue sv || sv.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add(TypeError(path, node, "string"));
                    return;
                }
                CheckString(sv.GetValue<string>(), schema, path, node, errors);
                return;
            case "integer":
                if (node is not JsonValue nv || nv.GetValueKind() != JsonValueKind.Number || !IsInteger(nv))
                {
                    errors.Add(TypeError(path, node, "integer"));
                    return;
                }
                CheckRange(nv, schema, path, errors);
                return;
            case "number":
                if (node is not JsonValue fv || fv.GetValueKind() != JsonValueKind.Number)
                {
                    errors.Add(TypeError(path, node, "number"));
                    return;
                }
                CheckRange(fv, schema, path, errors);
                return;
            case "boolean":
                if (node is not JsonValue bv || bv.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(TypeError(path, node, "boolean"));
                }
                return;
            default:
                if (node is JsonObject anyObject && schema.Properties is not null)
                {
                    WalkObject(anyObject, schema, path, unknown, errors);
                }
                return;
        }
    }

    private static void WalkObject(JsonObject obj, SchemaNode schema, string path, List<string> unknown, List<FieldError> errors)
    {
        if (schema.Properties is { } properties)
        {
            List<string>? prune = null;
            foreach (var (name, value) in obj)
            {
                var child = Join(path, name);
                if (properties.TryGetValue(name, out var childSchema))
                {
                    Walk(value, childSchema, child, unknown, errors);
                }
                else if (schema.AdditionalProperties is { } extra)
                {
                    Walk(value, extra, child, unknown, errors);
                }
                else if (!schema.PreserveUnknownFields)
                {
                    unknown.Add(child);
                    (prune ??= []).Add(name);
                }
            }
            if (prune is not null)
            {
                foreach (var name in prune) obj.Remove(name);
            }
        }
        else if (schema.AdditionalProperties is { } values)
        {
            foreach (var (name, value) in obj)
            {
                Walk(value, values, Join(path, name), unknown, errors);
            }
        }
        if (schema.Required is { } required)
        {
            foreach (var name in required)
            {
                if (obj[name] is null) errors.Add(FieldError.Required(Join(path, name)));
            }
        }
    }

    private static void CheckString(string value, SchemaNode schema, string path, JsonNode node, List<FieldError> errors)
    {
        if (schema.Enum is { Count: > 0 } allowed && !allowed.Contains(value))
        {
            errors.Add(FieldError.NotSupported(path, node.DeepClone(), allowed));
        }
        if (schema.MaxLength is { } max && value.Length > max)
        {
            errors.Add(new FieldError(FieldErrorType.TooLong, path, $"may not be more than {max} bytes", node.DeepClone(), true));
        }
        if (schema.Pattern is { } pattern && !Regex.IsMatch(value, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100)))
        {
            errors.Add(FieldError.Invalid(path, node.DeepClone(), $"should match '{pattern}'"));
        }
        if (schema.Format == "date-time" && value.Length > 0 && !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            errors.Add(FieldError.Invalid(path, node.DeepClone(), "must be an RFC 3339 date-time"));
        }
    }

    private static void CheckRange(JsonValue value, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (!Datum.Machinery.Objects.JsonNumbers.TryGetDouble(value, out var number)) return;
        if (schema.Minimum is { } min && number < min)
        {
            errors.Add(FieldError.Invalid(path, value.DeepClone(), $"must be greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}"));
        }
        if (schema.Maximum is { } max && number > max)
        {
            errors.Add(FieldError.Invalid(path, value.DeepClone(), $"must be less than or equal to {max.ToString(CultureInfo.InvariantCulture)}"));
        }
    }

    private static bool IsInteger(JsonValue value) => Datum.Machinery.Objects.JsonNumbers.TryGetInt64(value, out _);

    private static FieldError TypeError(string path, JsonNode node, string expected) =>
        new(FieldErrorType.TypeInvalid, path, $"must be of type {expected}", node.DeepClone(), true);

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}

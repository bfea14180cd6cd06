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
        Walk(obj, schema, new FieldPath(), unknown, errors);
        return new Result(unknown, errors);
    }

    private static void Walk(JsonNode? node, SchemaNode schema, FieldPath path, List<string> unknown, List<FieldError> errors)
    {
        if (node is null)
        {
            // Null means "unset" for optional fields, as Go's decoder treats it.
            return;
        }
        if (schema.IntOrString)
        {
            if (node is JsonValue iv && (iv.GetValueKind() is JsonValueKind.String or JsonValueKind.Number)) return;
            errors.Add(new FieldError(FieldErrorType.TypeInvalid, path.Text, "must be an integer or a string", node, true));
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
                        path.Push(null, i);
                        Walk(array[i], items, path, unknown, errors);
                        path.Pop();
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

    private static void WalkObject(JsonObject obj, SchemaNode schema, FieldPath path, List<string> unknown, List<FieldError> errors)
    {
        if (schema.Properties is { } properties)
        {
            List<string>? prune = null;
            foreach (var (name, value) in obj)
            {
                path.Push(name, 0);
                if (properties.TryGetValue(name, out var childSchema))
                {
                    Walk(value, childSchema, path, unknown, errors);
                }
                else if (schema.AdditionalProperties is { } extra)
                {
                    Walk(value, extra, path, unknown, errors);
                }
                else if (!schema.PreserveUnknownFields)
                {
                    unknown.Add(path.Text);
                    (prune ??= []).Add(name);
                }
                path.Pop();
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
                path.Push(name, 0);
                Walk(value, values, path, unknown, errors);
                path.Pop();
            }
        }
        if (schema.Required is { } required)
        {
            foreach (var name in required)
            {
                if (obj[name] is not null) continue;
                path.Push(name, 0);
                errors.Add(FieldError.Required(path.Text));
                path.Pop();
            }
        }
    }

    private static void CheckString(string value, SchemaNode schema, FieldPath path, JsonNode node, List<FieldError> errors)
    {
        if (schema.Enum is { Count: > 0 } allowed && !allowed.Contains(value))
        {
            errors.Add(FieldError.NotSupported(path.Text, node.DeepClone(), allowed));
        }
        if (schema.MaxLength is { } max && value.Length > max)
        {
            errors.Add(new FieldError(FieldErrorType.TooLong, path.Text, $"may not be more than {max} bytes", node.DeepClone(), true));
        }
        if (schema.Pattern is { } pattern && !Regex.IsMatch(value, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100)))
        {
            errors.Add(FieldError.Invalid(path.Text, node.DeepClone(), $"should match '{pattern}'"));
        }
        if (schema.Format == "date-time" && value.Length > 0 && !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            errors.Add(FieldError.Invalid(path.Text, node.DeepClone(), "must be an RFC 3339 date-time"));
        }
    }

    private static void CheckRange(JsonValue value, SchemaNode schema, FieldPath path, List<FieldError> errors)
    {
        if (!Datum.Machinery.Objects.JsonNumbers.TryGetDouble(value, out var number)) return;
        if (schema.Minimum is { } min && number < min)
        {
            errors.Add(FieldError.Invalid(path.Text, value.DeepClone(), $"must be greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}"));
        }
        if (schema.Maximum is { } max && number > max)
        {
            errors.Add(FieldError.Invalid(path.Text, value.DeepClone(), $"must be less than or equal to {max.ToString(CultureInfo.InvariantCulture)}"));
        }
    }

    private static bool IsInteger(JsonValue value) => Datum.Machinery.Objects.JsonNumbers.TryGetInt64(value, out _);

    private static FieldError TypeError(FieldPath path, JsonNode node, string expected) =>
        new(FieldErrorType.TypeInvalid, path.Text, $"must be of type {expected}", node.DeepClone(), true);

    // The path to the value being checked (a.b[0].c), spelled out only for an error or an unknown field: most
    // objects have neither, and every write checks every value.
    private sealed class FieldPath
    {
        private readonly List<(string? Name, int Index)> _steps = [];

        public void Push(string? name, int index) => _steps.Add((name, index));

        public void Pop() => _steps.RemoveAt(_steps.Count - 1);

        public string Text
        {
            get
            {
                var text = new System.Text.StringBuilder();
                foreach (var (name, index) in _steps)
                {
                    if (name is null) text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                    else if (text.Length == 0) text.Append(name);
                    else text.Append('.').Append(name);
                }
                return text.ToString();
            }
        }
    }
}

using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Datum.Machinery.Api;

namespace Datum.Machinery.Validation;

/// <summary>The ObjectMeta checks every kind shares (labels, annotations, finalizers, owner references).</summary>
public static partial class MetadataRules
{
    private const int MaxAnnotationBytes = 256 * 1024;

    /// <summary>Field errors of <paramref name="metadata"/> (empty when valid).</summary>
    public static List<FieldError> Check(JsonObject metadata)
    {
        var errors = new List<FieldError>();
        if (metadata["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                CheckQualifiedName(key, $"metadata.labels", errors);
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (text is null)
                {
                    errors.Add(FieldError.Invalid($"metadata.labels.{key}", value?.DeepClone(), "must be a string"));
                }
                else if (text.Length > 63 || (text.Length > 0 && !LabelValue().IsMatch(text)))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", JsonValue.Create(text),
                        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
                }
            }
        }
        if (metadata["annotations"] is JsonObject annotations)
        {
            long total = 0;
            foreach (var (key, value) in annotations)
            {
                CheckQualifiedName(key.ToLowerInvariant(), "metadata.annotations", errors);
                if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
                {
                    errors.Add(FieldError.Invalid($"metadata.annotations.{key}", value?.DeepClone(), "must be a string"));
                    continue;
                }
                total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(text);
            }
            if (total > MaxAnnotationBytes)
            {
                errors.Add(new FieldError(FieldErrorType.TooLong, "metadata.annotations", $"must have at most {MaxAnnotationBytes} bytes"));
            }
        }
        if (metadata["finalizers"] is JsonArray finalizers)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < finalizers.Count; i++)
            {
                var path = $"metadata.finalizers[{i}]";
                if (finalizers[i] is not JsonValue v || !v.TryGetValue<string>(out var name))
                {
                    errors.Add(FieldError.Invalid(path, finalizers[i]?.DeepClone(), "must be a string"));
                    continue;
                }
                CheckQualifiedName(name, path, errors);
                if (!seen.Add(name)) errors.Add(new FieldError(FieldErrorType.Duplicate, path, "", JsonValue.Create(name), true));
            }
        }
        if (metadata["ownerReferences"] is JsonArray owners)
        {
            for (var i = 0; i < owners.Count; i++)
            {
                if (owners[i] is not JsonObject owner) continue;
                foreach (var field in new[] { "apiVersion", "kind", "name", "uid" })
                {
                    if (owner[field] is not JsonValue fv || !fv.TryGetValue<string>(out var s) || s.Length == 0)
                    {
                        errors.Add(FieldError.Invalid($"metadata.ownerReferences[{i}].{field}", JsonValue.Create(""), $"{field} must not be empty"));
                    }
                }
            }
        }
        return errors;
    }

    /// <summary>Checks a Kubernetes qualified name (<c>prefix/name</c>).</summary>
    public static void CheckQualifiedName(string value, string path, List<FieldError> errors)
    {
        var slash = value.IndexOf('/');
        var name = slash >= 0 ? value[(slash + 1)..] : value;
        var prefix = slash >= 0 ? value[..slash] : null;
        if (prefix is not null && (prefix.Length == 0 || NameRules.CheckSubdomain(prefix).Count > 0))
        {
            errors.Add(FieldError.Invalid(path, JsonValue.Create(value), "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
            return;
        }
        if (name.Length == 0 || name.Length > 63 || !QualifiedNamePart().IsMatch(name))
        {
            errors.Add(FieldError.Invalid(path, JsonValue.Create(value),
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
        }
    }

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}

using System.Text.Json.Nodes;

namespace Datum.Machinery.Api;

/// <summary>Why a field is wrong; the names are Kubernetes' <c>CauseType</c> values.</summary>
public enum FieldErrorType
{
    /// <summary>FieldValueRequired</summary>
    Required,
    /// <summary>FieldValueInvalid</summary>
    Invalid,
    /// <summary>FieldValueNotSupported</summary>
    NotSupported,
    /// <summary>FieldValueForbidden</summary>
    Forbidden,
    /// <summary>FieldValueTooLong</summary>
    TooLong,
    /// <summary>FieldValueDuplicate</summary>
    Duplicate,
    /// <summary>FieldValueTypeInvalid</summary>
    TypeInvalid,
    /// <summary>FieldManagerConflict (server-side apply); the detail is the whole message.</summary>
    FieldManagerConflict,
    /// <summary>NamespaceTerminating (namespace lifecycle); the detail is the whole message.</summary>
    NamespaceTerminating,
}

/// <summary>One validation failure at a field path, rendered the way Kubernetes renders it.</summary>
public sealed record FieldError(FieldErrorType Type, string Field, string Detail, JsonNode? Value = null, bool HasValue = false)
{
    /// <summary>A required field is missing.</summary>
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, detail);

    /// <summary>A field has a value that is not allowed.</summary>
    public static FieldError Invalid(string field, JsonNode? value, string detail) => new(FieldErrorType.Invalid, field, detail, value, true);

    /// <summary>A field value outside an enumeration.</summary>
    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> allowed) =>
        new(FieldErrorType.NotSupported, field, "supported values: " + string.Join(", ", allowed.Select(a => $"\"{a}\"")), value, true);

    /// <summary>A field that may not be set or changed.</summary>
    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, detail);

    /// <summary>The Kubernetes <c>CauseType</c> string.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.FieldManagerConflict => "FieldManagerConflict",
        FieldErrorType.NamespaceTerminating => "NamespaceTerminating",
        _ => "FieldValueTypeInvalid",
    };

    private string TypeText => Type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.Duplicate => "Duplicate value",
        _ => "Invalid value",
    };

    /// <summary>Renders like Kubernetes: <c>spec.replicas: Invalid value: -1: must be greater than or equal to 0</c>.</summary>
    public override string ToString() => $"{Field}: {Body}";

    /// <summary>The message without the field path (a Status cause carries the field separately).</summary>
    public string Body
    {
        get
        {
        if (Type is FieldErrorType.FieldManagerConflict or FieldErrorType.NamespaceTerminating) return Detail;
        var text = TypeText;
        if (HasValue)
        {
            text += ": " + (Value is null ? "null" : Value.ToJsonString());
        }
        return Detail.Length > 0 ? $"{text}: {Detail}" : text;
        }
    }
}

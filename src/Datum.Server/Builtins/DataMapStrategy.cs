using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Datum.Machinery.Api;
using Datum.Server.Registry;

namespace Datum.Server.Builtins;

/// <summary>
/// Shared rules of ConfigMap and Secret: key names, immutability, and for Secrets base64 data, the default
/// type and folding <c>stringData</c> into <c>data</c>.
/// </summary>
public sealed partial class DataMapStrategy(string kind) : ResourceStrategy
{
    private bool IsSecret => kind == "Secret";

    /// <inheritdoc />
    public override void PrepareForCreate(JsonObject obj)
    {
        if (!IsSecret) return;
        FoldStringData(obj);
        if (obj["type"] is null) obj["type"] = "Opaque";
    }

    /// <inheritdoc />
    public override void PrepareForUpdate(JsonObject newObj, JsonObject oldObj)
    {
        if (!IsSecret) return;
        FoldStringData(newObj);
        if (newObj["type"] is null) newObj["type"] = oldObj["type"]?.DeepClone();
    }

    /// <inheritdoc />
    public override IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        foreach (var field in new[] { "data", "binaryData" })
        {
            if (obj[field] is not JsonObject map) continue;
            foreach (var (key, value) in map)
            {
                if (key.Length == 0 || key.Length > 253 || !KeyPattern().IsMatch(key))
                {
                    errors.Add(FieldError.Invalid($"{field}[{key}]", JsonValue.Create(key), "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
                }
                if ((IsSecret && field == "data" || field == "binaryData") && value is JsonValue v && v.TryGetValue<string>(out var text) && !IsBase64(text))
                {
                    errors.Add(FieldError.Invalid($"{field}[{key}]", JsonValue.Create("<value omitted>"), "illegal base64 data"));
                }
            }
        }
        return errors;
    }

    /// <inheritdoc />
    public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
    {
        var errors = Validate(newObj).ToList();
        if (oldObj["immutable"] is JsonValue immutable && immutable.TryGetValue<bool>(out var locked) && locked)
        {
            foreach (var field in new[] { "data", "binaryData", "immutable", "type" })
            {
                if (!JsonNode.DeepEquals(newObj[field], oldObj[field]))
                {
                    errors.Add(FieldError.Forbidden(field, $"field is immutable when `immutable` is set"));
                }
            }
        }
        if (IsSecret && !JsonNode.DeepEquals(newObj["type"], oldObj["type"]))
        {
            errors.Add(FieldError.Invalid("type", newObj["type"]?.DeepClone(), "field is immutable"));
        }
        return errors;
    }

    private static void FoldStringData(JsonObject obj)
    {
        if (obj["stringData"] is not JsonObject stringData) return;
        var data = obj["data"] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in stringData)
        {
            data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
        }
        obj["data"] = data;
        obj.Remove("stringData");
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex KeyPattern();
}

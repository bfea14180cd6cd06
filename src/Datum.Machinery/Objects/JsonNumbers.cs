using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Objects;

/// <summary>
/// Reads numbers from JSON values whatever backs them: parsed JSON, or CLR numbers set in code
/// (<c>TryGetValue&lt;long&gt;</c> alone misses an <c>int</c> set in code).
/// </summary>
public static class JsonNumbers
{
    /// <summary>The value as a double, when it is a JSON number.</summary>
    public static bool TryGetDouble(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return false;
        if (v.TryGetValue(out double d)) { value = d; return true; }
        if (v.TryGetValue(out long l)) { value = l; return true; }
        if (v.TryGetValue(out int i)) { value = i; return true; }
        return double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The value as a long, when it is an integral JSON number.</summary>
    public static bool TryGetInt64(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return false;
        if (v.TryGetValue(out long l)) { value = l; return true; }
        if (v.TryGetValue(out int i)) { value = i; return true; }
        return long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}

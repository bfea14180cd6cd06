using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Protobuf;

/// <summary>
/// Writes a JSON object as the protobuf message its Go type would marshal to; the inverse of
/// <see cref="ProtoJsonDecoder"/> over the same schemas. Strict: a property the schema does not know, or a
/// value of the wrong JSON type, is a <see cref="ProtobufEncodeException"/> rather than silently dropped.
/// </summary>
internal static class ProtoJsonEncoder
{
    private const int MaxDepth = 32;

    public static ProtoOutput EncodeMessage(JsonObject obj, ProtoMessageType type, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new ProtobufEncodeException("the object is nested too deeply for protobuf");
        }

        // TypeMeta is inline in every object that has metadata; in protobuf it lives in the envelope only.
        var hasTypeMeta = type.ByJsonName.ContainsKey("metadata");
        foreach (var (name, _) in obj)
        {
            if (!type.ByJsonName.ContainsKey(name) && !(hasTypeMeta && name is "apiVersion" or "kind"))
            {
                throw new ProtobufEncodeException($"{type.Name} has no protobuf field for \"{name}\"");
            }
        }

        var output = new ProtoOutput();
        foreach (var field in type.Ordered)
        {
            var value = obj[field.JsonName];
            if (value is null)
            {
                continue; // JSON null and absent are both Go's zero value: nothing on the wire.
            }
            if (field.Repeated)
            {
                if (value is not JsonArray array)
                {
                    throw Mismatch(type, field, "an array");
                }
                foreach (var item in array)
                {
                    if (item is null)
                    {
                        throw Mismatch(type, field, "an array without nulls");
                    }
                    WriteSingle(output, item, field, type, depth, omitZero: false);
                }
            }
            else
            {
                WriteSingle(output, value, field, type, depth, omitZero: field.OmitEmpty);
            }
        }
        return output;
    }

    private static void WriteSingle(ProtoOutput output, JsonNode value, ProtoField field, ProtoMessageType type, int depth, bool omitZero)
    {
        switch (field.Kind)
        {
            case ProtoFieldKind.String:
            {
                var text = String(value, type, field);
                if (!(omitZero && text.Length == 0))
                {
                    output.String(field.Number, text);
                }
                break;
            }
            case ProtoFieldKind.Bytes:
                output.Bytes(field.Number, Base64(value, type, field));
                break;
            case ProtoFieldKind.Bool:
            {
                var b = value.GetValueKind() switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Mismatch(type, field, "a boolean"),
                };
                if (b || !omitZero)
                {
                    output.Varint(field.Number, b ? 1UL : 0UL);
                }
                break;
            }
            case ProtoFieldKind.Int32:
            case ProtoFieldKind.Int64:
            {
                var n = Integer(value, type, field);
                if (n != 0 || !omitZero)
                {
                    // Negative int32 values are sign-extended to ten bytes, as in every protobuf runtime.
                    output.Varint(field.Number, unchecked((ulong)n));
                }
                break;
            }
            case ProtoFieldKind.Message:
            {
                if (value is not JsonObject nested)
                {
                    throw Mismatch(type, field, "an object");
                }
                output.Message(field.Number, EncodeMessage(nested, field.Message!, depth + 1));
                break;
            }
            case ProtoFieldKind.Time:
            case ProtoFieldKind.MicroTime:
                WriteTime(output, value, field, type);
                break;
            case ProtoFieldKind.FieldsV1:
            {
                // FieldsV1 {Raw = 1}: the JSON document itself, compact.
                var raw = new ProtoOutput();
                raw.Bytes(1, Encoding.UTF8.GetBytes(value.ToJsonString()));
                output.Message(field.Number, raw);
                break;
            }
            case ProtoFieldKind.StringMap:
            case ProtoFieldKind.BytesMap:
            case ProtoFieldKind.StringListMap:
                WriteMap(output, value, field, type);
                break;
            default:
                throw new ProtobufEncodeException($"unsupported schema kind {field.Kind}");
        }
    }

    // metav1.Time and MicroTime are {seconds = 1, nanos = 2}; Go writes both.
    private static void WriteTime(ProtoOutput output, JsonNode value, ProtoField field, ProtoMessageType type)
    {
        var text = String(value, type, field);
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw Mismatch(type, field, "an RFC 3339 time");
        }
        var seconds = time.ToUnixTimeSeconds();
        var nanos = (time.UtcTicks - DateTimeOffset.FromUnixTimeSeconds(seconds).UtcTicks) * 100;
        var timestamp = new ProtoOutput();
        timestamp.Varint(1, unchecked((ulong)seconds));
        timestamp.Varint(2, (ulong)nanos);
        output.Message(field.Number, timestamp);
    }

    // A proto map is a repeated entry {key = 1, value = 2}; Go writes the entries sorted by key bytes.
    private static void WriteMap(ProtoOutput output, JsonNode value, ProtoField field, ProtoMessageType type)
    {
        if (value is not JsonObject map)
        {
            throw Mismatch(type, field, "an object");
        }
        var entries = map.Select(p => (Key: Encoding.UTF8.GetBytes(p.Key), p.Value)).ToList();
        entries.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        foreach (var (keyBytes, entryValue) in entries)
        {
            if (entryValue is null)
            {
                throw Mismatch(type, field, "an object without null values");
            }
            var entry = new ProtoOutput();
            entry.Bytes(1, keyBytes);
            switch (field.Kind)
            {
                case ProtoFieldKind.BytesMap:
                    entry.Bytes(2, Base64(entryValue, type, field));
                    break;
                case ProtoFieldKind.StringListMap:
                {
                    if (entryValue is not JsonArray items)
                    {
                        throw Mismatch(type, field, "an object of string arrays");
                    }
                    var list = new ProtoOutput();
                    foreach (var item in items)
                    {
                        list.String(1, item is null ? throw Mismatch(type, field, "an object of string arrays") : String(item, type, field));
                    }
                    entry.Message(2, list);
                    break;
                }
                default:
                    entry.String(2, String(entryValue, type, field));
                    break;
            }
            output.Message(field.Number, entry);
        }
    }

    private static string String(JsonNode value, ProtoMessageType type, ProtoField field) =>
        value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : throw Mismatch(type, field, "a string");

    private static byte[] Base64(JsonNode value, ProtoMessageType type, ProtoField field)
    {
        try
        {
            return Convert.FromBase64String(String(value, type, field));
        }
        catch (FormatException)
        {
            throw Mismatch(type, field, "base64 data");
        }
    }

    private static long Integer(JsonNode value, ProtoMessageType type, ProtoField field)
    {
        if (value.GetValueKind() != JsonValueKind.Number ||
            !long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            throw Mismatch(type, field, "an integer");
        }
        if (field.Kind == ProtoFieldKind.Int32 && n is < int.MinValue or > int.MaxValue)
        {
            throw Mismatch(type, field, "a 32-bit integer");
        }
        return n;
    }

    private static ProtobufEncodeException Mismatch(ProtoMessageType type, ProtoField field, string expected) =>
        new($"{type.Name}.{field.JsonName} is not {expected}");
}

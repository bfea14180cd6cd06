using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Protobuf;

/// <summary>Renders a protobuf message as the JSON its Go type would marshal to.</summary>
internal static class ProtoJsonDecoder
{
    // Nested messages in these schemas are a few levels deep; the cap only stops crafted input.
    private const int MaxDepth = 32;

    public static JsonObject DecodeMessage(ReadOnlySpan<byte> data, ProtoMessageType type, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new ProtobufDecodeException("protobuf message is nested too deeply");
        }

        var result = new JsonObject();
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (!type.Fields.TryGetValue(number, out var field))
            {
                reader.Skip(wireType);
                continue;
            }
            var expected = field.Kind is ProtoFieldKind.Bool or ProtoFieldKind.Int32 or ProtoFieldKind.Int64
                ? ProtoReader.WireVarint
                : ProtoReader.WireLengthDelimited;
            if (wireType != expected)
            {
                throw new ProtobufDecodeException(
                    $"{type.Name}.{field.JsonName} (field {number}) has wire type {wireType}, expected {expected}");
            }
            ReadField(ref reader, field, result, type, depth);
        }
        return result;
    }

    private static void ReadField(ref ProtoReader reader, ProtoField field, JsonObject result, ProtoMessageType type, int depth)
    {
        JsonNode? value;
        switch (field.Kind)
        {
            case ProtoFieldKind.String:
            {
                var text = Utf8(reader.ReadLengthDelimited());
                value = field.OmitEmpty && !field.Repeated && text.Length == 0 ? null : JsonValue.Create(text);
                break;
            }
            case ProtoFieldKind.Bytes:
                value = JsonValue.Create(Convert.ToBase64String(reader.ReadLengthDelimited()));
                break;
            case ProtoFieldKind.Bool:
            {
                var b = reader.ReadVarint() != 0;
                value = field.OmitEmpty && !b ? null : JsonValue.Create(b);
                break;
            }
            case ProtoFieldKind.Int32:
            {
                var i = unchecked((int)reader.ReadVarint());
                value = field.OmitEmpty && i == 0 ? null : JsonValue.Create(i);
                break;
            }
            case ProtoFieldKind.Int64:
            {
                var l = unchecked((long)reader.ReadVarint());
                value = field.OmitEmpty && l == 0 ? null : JsonValue.Create(l);
                break;
            }
            case ProtoFieldKind.Message:
                value = DecodeMessage(reader.ReadLengthDelimited(), field.Message!, depth + 1);
                break;
            case ProtoFieldKind.Time:
            case ProtoFieldKind.MicroTime:
                value = DecodeTime(reader.ReadLengthDelimited(), type, field);
                break;
            case ProtoFieldKind.FieldsV1:
                value = DecodeFieldsV1(reader.ReadLengthDelimited(), type, field);
                break;
            case ProtoFieldKind.StringMap:
            case ProtoFieldKind.BytesMap:
            case ProtoFieldKind.StringListMap:
                AddMapEntry(reader.ReadLengthDelimited(), field, result, type);
                return;
            default:
                throw new ProtobufDecodeException($"unsupported schema kind {field.Kind}");
        }

        if (field.Repeated)
        {
            if (result[field.JsonName] is not JsonArray array)
            {
                array = [];
                result[field.JsonName] = array;
            }
            array.Add(value);
        }
        else if (value is not null)
        {
            result[field.JsonName] = value;
        }
    }

    private static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    // metav1.Time is google.protobuf.Timestamp-shaped; the zero time (both fields 0) is Go's zero
    // value, which marshals to null, so it is left out. JSON carries second precision (RFC 3339);
    // MicroTime carries six fractional digits.
    private static JsonNode? DecodeTime(ReadOnlySpan<byte> data, ProtoMessageType type, ProtoField field)
    {
        long seconds = 0;
        long nanos = 0;
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is 1 or 2 && wireType == ProtoReader.WireVarint)
            {
                var v = unchecked((long)reader.ReadVarint());
                if (number == 1)
                {
                    seconds = v;
                }
                else
                {
                    nanos = unchecked((int)v);
                }
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        if (seconds == 0 && nanos == 0)
        {
            return null;
        }
        if (seconds < -62_135_596_800 || seconds > 253_402_300_799 || nanos is < 0 or > 999_999_999)
        {
            throw new ProtobufDecodeException($"{type.Name}.{field.JsonName} holds an out-of-range time");
        }
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (field.Kind == ProtoFieldKind.MicroTime)
        {
            time = time.AddTicks(nanos / 100);
            return JsonValue.Create(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        }
        return JsonValue.Create(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    // FieldsV1 {Raw = 1} carries its JSON serialization verbatim; the JSON form is that document.
    private static JsonNode? DecodeFieldsV1(ReadOnlySpan<byte> data, ProtoMessageType type, ProtoField field)
    {
        var raw = ReadOnlySpan<byte>.Empty;
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number == 1 && wireType == ProtoReader.WireLengthDelimited)
            {
                raw = reader.ReadLengthDelimited();
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        if (raw.IsEmpty)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(raw);
        }
        catch (JsonException e)
        {
            throw new ProtobufDecodeException($"{type.Name}.{field.JsonName} is not valid JSON: {e.Message}");
        }
    }

    // A proto map is a repeated entry message {key = 1, value = 2}; missing parts take defaults.
    private static void AddMapEntry(ReadOnlySpan<byte> entry, ProtoField field, JsonObject result, ProtoMessageType type)
    {
        var key = string.Empty;
        JsonNode? value = field.Kind == ProtoFieldKind.StringListMap ? new JsonArray() : JsonValue.Create(string.Empty);
        var reader = new ProtoReader(entry);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is 1 or 2 && wireType != ProtoReader.WireLengthDelimited)
            {
                throw new ProtobufDecodeException(
                    $"{type.Name}.{field.JsonName} map entry field {number} has wire type {wireType}, expected 2");
            }
            if (number == 1)
            {
                key = Utf8(reader.ReadLengthDelimited());
            }
            else if (number == 2)
            {
                var bytes = reader.ReadLengthDelimited();
                value = field.Kind switch
                {
                    ProtoFieldKind.BytesMap => JsonValue.Create(Convert.ToBase64String(bytes)),
                    ProtoFieldKind.StringListMap => DecodeStringList(bytes),
                    _ => JsonValue.Create(Utf8(bytes)),
                };
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        if (result[field.JsonName] is not JsonObject map)
        {
            map = new JsonObject();
            result[field.JsonName] = map;
        }
        map[key] = value;
    }

    // ExtraValue {repeated string items = 1} marshals to JSON as a bare array of strings.
    private static JsonArray DecodeStringList(ReadOnlySpan<byte> data)
    {
        var array = new JsonArray();
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number == 1 && wireType == ProtoReader.WireLengthDelimited)
            {
                array.Add(JsonValue.Create(Utf8(reader.ReadLengthDelimited())));
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        return array;
    }
}

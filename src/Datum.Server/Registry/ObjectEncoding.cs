using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;

namespace Datum.Server.Registry;

/// <summary>Turns objects into stored bytes and back. Stored bytes carry their own resourceVersion.</summary>
public static class ObjectEncoding
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = true };

    /// <summary>Encodes <paramref name="obj"/> with <c>metadata.resourceVersion</c> set to <paramref name="revision"/>.</summary>
    public static byte[] EncodeAt(JsonObject obj, long revision)
    {
        ObjectFields.Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        return Encode(obj);
    }

    /// <summary>Compact UTF-8 JSON of <paramref name="node"/>.</summary>
    public static byte[] Encode(JsonNode node)
    {
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes stored bytes (always a JSON object).</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> bytes) =>
        JsonNode.Parse(bytes, NodeOptions, DocumentOptions) as JsonObject ?? throw ApiException.Internal("stored object is not a JSON object");

    /// <summary>
    /// The raw JSON of <c>metadata.{field}</c> in stored bytes, found by scanning them (nothing is parsed into nodes);
    /// false when the object has no such field.
    /// </summary>
    public static bool TryGetRawMetadataField(ReadOnlySpan<byte> bytes, string field, out ReadOnlySpan<byte> raw)
    {
        raw = default;
        var reader = new Utf8JsonReader(bytes);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            reader.Read();
            if (!isMetadata || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals(field);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (!found) continue;
                raw = bytes[start..(int)reader.BytesConsumed];
                return true;
            }
            return false;
        }
        return false;
    }

    /// <summary>Whether <paramref name="node"/> encodes to exactly <paramref name="raw"/> (then they are equal JSON).</summary>
    public static bool EncodesTo(JsonNode node, ReadOnlySpan<byte> raw)
    {
        using var buffer = new PooledBufferWriter(raw.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.SequenceEqual(raw);
    }

    /// <summary>The revision as a resourceVersion string.</summary>
    public static string Rv(long revision) => revision.ToString(CultureInfo.InvariantCulture);
}

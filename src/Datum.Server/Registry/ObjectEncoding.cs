using System.Buffers;
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
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Datum.Machinery.Objects.JsonWriting.Options))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes stored bytes (always a JSON object).</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> bytes) =>
        JsonNode.Parse(bytes, NodeOptions, DocumentOptions) as JsonObject ?? throw ApiException.Internal("stored object is not a JSON object");

    /// <summary>The revision as a resourceVersion string.</summary>
    public static string Rv(long revision) => revision.ToString(CultureInfo.InvariantCulture);
}

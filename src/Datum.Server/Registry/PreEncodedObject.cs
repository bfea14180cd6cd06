using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Objects;

namespace Datum.Server.Registry;

/// <summary>
/// An object encoded before its write is queued, with a gap where <c>metadata.resourceVersion</c>'s value goes: the
/// revision is only known inside the storage writer, which then only copies bytes around it. Encoding early keeps the
/// work out of the writer's serial loop and lets the object's nodes go while the write waits for its commit.
/// </summary>
public sealed class PreEncodedObject
{
    private readonly byte[] _bytes;
    private readonly int _gap;

    private PreEncodedObject(byte[] bytes, int gap)
    {
        _bytes = bytes;
        _gap = gap;
    }

    /// <summary>The encoded length without the resourceVersion digits.</summary>
    public int Length => _bytes.Length;

    /// <summary>
    /// Encodes <paramref name="obj"/> as <see cref="ObjectEncoding.EncodeAt"/> would, leaving its resourceVersion empty
    /// (in the object too, as a placeholder in its place when it had one).
    /// </summary>
    public static PreEncodedObject Encode(JsonObject obj)
    {
        var meta = ObjectFields.Metadata(obj);
        meta["resourceVersion"] = "";
        var gap = -1;
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in obj)
            {
                writer.WritePropertyName(name);
                if (!ReferenceEquals(value, meta))
                {
                    Write(writer, value);
                    continue;
                }
                writer.WriteStartObject();
                foreach (var (field, fieldValue) in meta)
                {
                    writer.WritePropertyName(field);
                    if (field == "resourceVersion")
                    {
                        writer.Flush();
                        // Just after the opening quote of the empty string written next.
                        gap = checked((int)writer.BytesCommitted) + 1;
                        writer.WriteStringValue("");
                    }
                    else
                    {
                        Write(writer, fieldValue);
                    }
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return new PreEncodedObject(buffer.WrittenSpan.ToArray(), gap);
    }

    /// <summary>The stored bytes of the object at <paramref name="revision"/>.</summary>
    public byte[] At(long revision)
    {
        Span<byte> digits = stackalloc byte[20];
        revision.TryFormat(digits, out var count, provider: CultureInfo.InvariantCulture);
        var result = new byte[_bytes.Length + count];
        _bytes.AsSpan(0, _gap).CopyTo(result);
        digits[..count].CopyTo(result.AsSpan(_gap));
        _bytes.AsSpan(_gap).CopyTo(result.AsSpan(_gap + count));
        return result;
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null) writer.WriteNullValue();
        else value.WriteTo(writer);
    }
}

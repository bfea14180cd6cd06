using System.Text.Json;

namespace Datum.Machinery.Api;

/// <summary>Writes <c>meta/v1 Status</c> objects.</summary>
public static class StatusWriter
{
    /// <summary>Writes the Status for <paramref name="error"/>.</summary>
    public static void Write(Utf8JsonWriter writer, ApiException error)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Status");
        writer.WriteString("apiVersion", "v1");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteString("status", "Failure");
        writer.WriteString("message", error.Message);
        writer.WriteString("reason", error.Reason);
        if (error.DetailName is not null || error.DetailKind is not null || error.Causes.Count > 0 || error.RetryAfterSeconds is not null)
        {
            writer.WriteStartObject("details");
            if (error.DetailName is not null) writer.WriteString("name", error.DetailName);
            if (!string.IsNullOrEmpty(error.DetailGroup)) writer.WriteString("group", error.DetailGroup);
            if (error.DetailKind is not null) writer.WriteString("kind", error.DetailKind);
            if (error.Causes.Count > 0)
            {
                writer.WriteStartArray("causes");
                foreach (var cause in error.Causes)
                {
                    writer.WriteStartObject();
                    writer.WriteString("reason", cause.Reason);
                    writer.WriteString("message", cause.Body);
                    writer.WriteString("field", cause.Field);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            if (error.RetryAfterSeconds is { } retry) writer.WriteNumber("retryAfterSeconds", retry);
            writer.WriteEndObject();
        }
        writer.WriteNumber("code", error.Code);
        writer.WriteEndObject();
    }

    /// <summary>The Status for <paramref name="error"/> as UTF-8 JSON.</summary>
    public static byte[] ToBytes(ApiException error)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Datum.Machinery.Objects.JsonWriting.Options))
        {
            Write(writer, error);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A success Status (used by deletecollection-style responses).</summary>
    public static byte[] Success(string? name = null, string? group = null, string? kind = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, Datum.Machinery.Objects.JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", "Status");
            writer.WriteString("apiVersion", "v1");
            writer.WriteStartObject("metadata");
            writer.WriteEndObject();
            writer.WriteString("status", "Success");
            if (name is not null)
            {
                writer.WriteStartObject("details");
                writer.WriteString("name", name);
                if (!string.IsNullOrEmpty(group)) writer.WriteString("group", group);
                if (kind is not null) writer.WriteString("kind", kind);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

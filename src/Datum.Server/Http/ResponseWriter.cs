using System.Buffers;
using System.Text;
using System.Text.Json;
using Datum.Machinery.Api;
using Datum.Machinery.Protobuf;
using Datum.Server.Registry;
using Datum.Storage;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Http;

/// <summary>Writes API responses: objects as stored bytes, lists by splicing stored bytes, Status errors.</summary>
public static class ResponseWriter
{

    /// <summary>Writes a JSON body with a status code.</summary>
    public static Task WriteJsonAsync(HttpContext context, int statusCode, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, ct).AsTask();
    }

    /// <summary>
    /// Writes an object: as Kubernetes protobuf when the client prefers it and the kind has a protobuf schema
    /// (anything the schema cannot carry falls back to JSON, which client-go accepts by Content-Type), else JSON.
    /// </summary>
    public static Task WriteObjectAsync(HttpContext context, int statusCode, byte[] json, CancellationToken ct)
    {
        if (OutputFormat.PrefersProtobuf(context.Request) && TryProtobuf(json) is { } protobuf)
        {
            return WriteProtobufAsync(context, statusCode, protobuf, ct);
        }
        return WriteJsonAsync(context, statusCode, json, ct);
    }

    private static byte[]? TryProtobuf(byte[] json)
    {
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(json) is not System.Text.Json.Nodes.JsonObject obj) return null;
            var apiVersion = obj["apiVersion"]?.GetValueKind() == JsonValueKind.String ? obj["apiVersion"]!.GetValue<string>() : "";
            var kind = obj["kind"]?.GetValueKind() == JsonValueKind.String ? obj["kind"]!.GetValue<string>() : "";
            return KubernetesProtobuf.CanEncode(apiVersion, kind) ? KubernetesProtobuf.Encode(obj) : null;
        }
        catch (ProtobufEncodeException)
        {
            return null;
        }
    }

    private static Task WriteProtobufAsync(HttpContext context, int statusCode, byte[] body, CancellationToken ct)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = KubernetesProtobuf.MediaType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, ct).AsTask();
    }

    /// <summary>Writes a Status for <paramref name="error"/>.</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiException error, CancellationToken ct)
    {
        if (error.RetryAfterSeconds is { } retry) context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteJsonAsync(context, error.Code, StatusWriter.ToBytes(error), ct);
    }

    /// <summary>Adds the scope's warnings as <c>Warning: 299</c> headers.</summary>
    public static void AddWarnings(HttpContext context, RequestScope scope)
    {
        foreach (var warning in scope.Warnings.Distinct())
        {
            var text = warning.Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
            context.Response.Headers.Append("Warning", $"299 - \"{text}\"");
        }
    }

    /// <summary>Writes a list by splicing the items' stored bytes into the list envelope.</summary>
    public static async Task WriteListAsync(HttpContext context, ResourceDefinition definition, IReadOnlyList<StoredObject> items, long revision, string? continueToken, CancellationToken ct)
    {
        if (OutputFormat.PrefersProtobuf(context.Request) && KubernetesProtobuf.CanEncode(definition.ApiVersion, definition.ListKind) &&
            TryProtobufList(definition, items, revision, continueToken) is { } protobuf)
        {
            await WriteProtobufAsync(context, 200, protobuf, ct).ConfigureAwait(false);
            return;
        }
        var head = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(head, Datum.Machinery.Objects.JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", definition.ListKind);
            writer.WriteString("apiVersion", definition.ApiVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", ObjectEncoding.Rv(revision));
            if (continueToken is not null) writer.WriteString("continue", continueToken);
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            writer.Flush();
        }
        // The writer left "...,"items":[" open; items are appended as raw stored JSON.
        long length = head.Length + 2 + Math.Max(0, items.Count - 1);
        foreach (var item in items) length += item.Value.Length;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = length;
        var body = context.Response.BodyWriter;
        body.Write(head.GetBuffer().AsSpan(0, (int)head.Length));
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) body.Write(","u8);
            body.Write(items[i].Value);
            if (body.UnflushedBytes > 64 * 1024) await body.FlushAsync(ct).ConfigureAwait(false);
        }
        body.Write("]}"u8);
        await body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static byte[]? TryProtobufList(ResourceDefinition definition, IReadOnlyList<StoredObject> items, long revision, string? continueToken)
    {
        var metadata = new System.Text.Json.Nodes.JsonObject { ["resourceVersion"] = ObjectEncoding.Rv(revision) };
        if (continueToken is not null) metadata["continue"] = continueToken;
        var array = new System.Text.Json.Nodes.JsonArray();
        foreach (var item in items) array.Add(ObjectEncoding.Decode(item.Value));
        var list = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = definition.ApiVersion,
            ["kind"] = definition.ListKind,
            ["metadata"] = metadata,
            ["items"] = array,
        };
        try
        {
            return KubernetesProtobuf.Encode(list);
        }
        catch (ProtobufEncodeException)
        {
            return null;
        }
    }

    /// <summary>Serializes a small document built with a writer callback.</summary>
    public static byte[] Build(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Datum.Machinery.Objects.JsonWriting.Options))
        {
            write(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>UTF-8 bytes of a string.</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

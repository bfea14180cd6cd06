using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Protobuf;
using Datum.Machinery.Yaml;
using Datum.Server.Registry;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Http;

/// <summary>Reads and decodes request bodies: size limit, media type, JSON/YAML/protobuf, duplicate fields.</summary>
public static class RequestBody
{
    /// <summary>The largest body accepted, as in kube-apiserver (3 MiB).</summary>
    public const int MaxBytes = 3 * 1024 * 1024;

    /// <summary>The media type of the request without parameters, lower-cased.</summary>
    public static string MediaType(HttpRequest request)
    {
        var contentType = request.ContentType ?? "";
        var semicolon = contentType.IndexOf(';');
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
    }

    /// <summary>Reads the whole body, or throws 413 past <see cref="MaxBytes"/>.</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBytes) throw TooLarge();
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Decodes an object body (create and update) by its media type.</summary>
    public static JsonObject DecodeObject(string mediaType, ReadOnlySpan<byte> body, RequestScope scope)
    {
        JsonNode? node = mediaType switch
        {
            "" or "application/json" => ParseJson(body, scope),
            "application/yaml" or "application/x-yaml" or "text/yaml" => ParseYaml(body),
            "application/vnd.kubernetes.protobuf" => DecodeProtobuf(body),
            _ => throw ApiException.UnsupportedMediaType(
                $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"),
        };
        if (node is not JsonObject obj)
        {
            throw ApiException.BadRequest("the request body must be a JSON or YAML object (a single Kubernetes object)");
        }
        CheckTypeMeta(obj, scope.Definition);
        return obj;
    }

    /// <summary>Parses JSON; a repeated field keeps its last value and is an error under Strict, a warning otherwise.</summary>
    public static JsonNode? ParseJson(ReadOnlySpan<byte> body, RequestScope? scope)
    {
        if (body.Length == 0) throw ApiException.BadRequest("the request body is empty; send a JSON or YAML object");
        var duplicates = new List<string>();
        JsonNode? node;
        try
        {
            node = JsonParsing.Parse(body, duplicates);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
        if (duplicates.Count > 0)
        {
            var messages = duplicates.Select(d => $"duplicate field \"{d}\"").ToList();
            if (scope?.FieldValidation == FieldValidation.Strict)
            {
                throw ApiException.BadRequest("strict decoding error: " + string.Join(", ", messages));
            }
            if (scope?.FieldValidation != FieldValidation.Ignore) scope?.Warnings.AddRange(messages);
        }
        return node;
    }

    private static JsonNode? ParseYaml(ReadOnlySpan<byte> body)
    {
        try
        {
            return YamlJson.Parse(Encoding.UTF8.GetString(body));
        }
        catch (Exception e) when (e is FormatException or YamlDotNet.Core.YamlException or InvalidOperationException or ArgumentException)
        {
            throw ApiException.BadRequest($"the request body is not valid YAML: {e.Message}");
        }
    }

    private static JsonObject DecodeProtobuf(ReadOnlySpan<byte> body)
    {
        try
        {
            return KubernetesProtobuf.Decode(body);
        }
        catch (ProtobufDecodeException e) when (e.IsUnsupportedKind)
        {
            throw ApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({e.Message})");
        }
        catch (ProtobufDecodeException e)
        {
            throw ApiException.BadRequest($"the protobuf request body could not be decoded: {e.Message}");
        }
    }

    private static void CheckTypeMeta(JsonObject obj, ResourceDefinition definition)
    {
        var apiVersion = obj["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : null;
        var kind = obj["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        if (!string.IsNullOrEmpty(kind) && kind != definition.Kind)
        {
            throw ApiException.BadRequest($"the kind in the request body ({kind}) does not match the kind served at this URL ({definition.Kind})");
        }
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != definition.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({definition.ApiVersion})");
        }
    }

    private static ApiException TooLarge() => ApiException.TooLarge($"Request entity too large: limit is {MaxBytes}");
}

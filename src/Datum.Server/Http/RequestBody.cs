using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
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

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };
    private static readonly JsonDocumentOptions Lenient = new() { AllowDuplicateProperties = true };

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
    public static JsonObject DecodeObject(string mediaType, byte[] body, RequestScope scope)
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

    /// <summary>Parses JSON; duplicate fields are an error under Strict and a warning otherwise.</summary>
    public static JsonNode? ParseJson(byte[] body, RequestScope? scope)
    {
        if (body.Length == 0) throw ApiException.BadRequest("the request body is empty; send a JSON or YAML object");
        try
        {
            return JsonNode.Parse(body, documentOptions: Strict);
        }
        catch (JsonException e) when (IsDuplicate(e))
        {
            if (scope?.FieldValidation == FieldValidation.Strict)
            {
                throw ApiException.BadRequest($"strict decoding error: {e.Message}");
            }
            scope?.Warnings.Add(e.Message);
            return JsonNode.Parse(body, documentOptions: Lenient);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static bool IsDuplicate(JsonException e) => e.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase);

    private static JsonNode? ParseYaml(byte[] body)
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

    private static JsonObject DecodeProtobuf(byte[] body)
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

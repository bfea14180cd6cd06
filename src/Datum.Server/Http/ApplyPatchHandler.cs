using System.Text;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Yaml;

namespace Datum.Server.Http;

/// <summary>Server-side apply: <c>PATCH</c> with <c>application/apply-patch+yaml</c> (the body may be YAML or JSON).</summary>
public static class ApplyPatchHandler
{
    /// <summary>The media type of apply patches.</summary>
    public const string MediaType = "application/apply-patch+yaml";

    /// <summary>Applies the body for the request's field manager; 201 when the object was created, else 200.</summary>
    public static async Task HandleAsync(ResourceRequest request, byte[] body)
    {
        var manager = request.Query("fieldManager");
        if (string.IsNullOrEmpty(manager)) throw ApiException.BadRequest("fieldManager: Required value: is required for apply patch");
        var force = request.Query("force") switch
        {
            null or "" or "false" or "0" or "False" => false,
            "true" or "1" or "True" => true,
            var other => throw ApiException.BadRequest($"force: Invalid value: \"{other}\": must be true or false"),
        };
        var config = Parse(body);
        CheckTypeMeta(config, request.Scope.Definition);
        var (stored, created) = await request.Store.ApplyAsync(request.Scope, request.Info.Name!, config, force, request.Aborted).ConfigureAwait(false);
        ResponseWriter.AddWarnings(request.Http, request.Scope);
        await ResponseWriter.WriteObjectAsync(request.Http, created ? 201 : 200, stored.Value, request.Aborted).ConfigureAwait(false);
    }

    /// <summary>400 when <c>force</c> is given on a patch that is not an apply.</summary>
    public static void RejectForce(ResourceRequest request)
    {
        if (request.Query("force") is not null) throw ApiException.BadRequest("force: Forbidden: may not be specified for non-apply patch");
    }

    /// <summary>
    /// A JSON patch that may <c>replace</c> <c>/metadata/resourceVersion</c>, as kubectl's client-side to server-side
    /// apply migration does (its value becomes the write's precondition). The store hands patches the current object
    /// without its resourceVersion, so a stand-in is put there for the patch and taken out again if it survives.
    /// </summary>
    public static JsonNode? JsonPatchSeeingResourceVersion(JsonObject current, JsonNode? patch)
    {
        const string standIn = "\u0000current";
        var meta = Datum.Machinery.Objects.ObjectFields.Metadata(current);
        var hadNone = meta["resourceVersion"] is null;
        if (hadNone) meta["resourceVersion"] = standIn;
        var result = Datum.Machinery.Patch.JsonPatch.Apply(current, patch);
        if (hadNone && result is JsonObject obj && obj["metadata"] is JsonObject resultMeta &&
            resultMeta["resourceVersion"] is JsonValue rv && rv.TryGetValue<string>(out var value) && value == standIn)
        {
            resultMeta.Remove("resourceVersion");
        }
        return result;
    }

    private static JsonObject Parse(byte[] body)
    {
        if (body.Length == 0) throw ApiException.BadRequest("the request body is empty; send a JSON or YAML object");
        JsonNode? node;
        try
        {
            // YAML is a superset of JSON, so one parser reads both.
            node = YamlJson.Parse(Encoding.UTF8.GetString(body));
        }
        catch (Exception e) when (e is FormatException or YamlDotNet.Core.YamlException or InvalidOperationException or ArgumentException)
        {
            throw ApiException.BadRequest($"error decoding YAML: {e.Message}");
        }
        return node as JsonObject ?? throw ApiException.BadRequest("the apply patch must be a single YAML or JSON object");
    }

    private static void CheckTypeMeta(JsonObject config, Registry.ResourceDefinition definition)
    {
        var apiVersion = config["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : null;
        var kind = config["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            throw ApiException.BadRequest("invalid object type: the apply patch must set apiVersion and kind");
        }
        if (kind != definition.Kind)
        {
            throw ApiException.BadRequest($"the kind in the request body ({kind}) does not match the kind served at this URL ({definition.Kind})");
        }
        if (apiVersion != definition.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({definition.ApiVersion})");
        }
    }
}

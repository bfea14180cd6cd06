using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Patch;
using Datum.Server.Registry;

namespace Datum.Server.Http;

/// <summary>PATCH of one object: JSON patch, merge patch, and strategic merge patch for built-in kinds.</summary>
public static class PatchHandler
{
    /// <summary>Applies the patch to the current object and stores the result through the update path.</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var definition = request.Scope.Definition;
        var mediaType = RequestBody.MediaType(request.Http.Request);
        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        if (mediaType == ApplyPatchHandler.MediaType)
        {
            await ApplyPatchHandler.HandleAsync(request, body).ConfigureAwait(false);
            return;
        }
        ApplyPatchHandler.RejectForce(request);
        Func<JsonObject, JsonNode?> apply = mediaType switch
        {
            "application/json-patch+json" => PatchWith(body, request, (current, patch) => ApplyPatchHandler.JsonPatchSeeingResourceVersion(current, patch)),
            "application/merge-patch+json" => PatchWith(body, request, (current, patch) => JsonMergePatch.Apply(current, patch)),
            "application/strategic-merge-patch+json" when definition.SupportsStrategicMergePatch =>
                PatchWith(body, request, (current, patch) => StrategicMergePatch.Apply(current, patch ?? new JsonObject(), StrategicMergeRules.For(definition))),
            _ => throw Unsupported(definition, mediaType),
        };

        var stored = await request.Store.UpdateAsync(request.Scope, request.Info.Name!, current =>
        {
            var result = apply(current);
            return result as JsonObject ?? throw ApiException.BadRequest("the patch must leave a JSON object");
        }, requireResourceVersion: false, request.Aborted).ConfigureAwait(false);
        ResponseWriter.AddWarnings(request.Http, request.Scope);
        await ResponseWriter.WriteObjectAsync(request.Http, 200, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value), request.Aborted).ConfigureAwait(false);
    }

    private static Func<JsonObject, JsonNode?> PatchWith(byte[] body, ResourceRequest request, Func<JsonObject, JsonNode?, JsonNode?> patcher)
    {
        var patch = RequestBody.ParseJson(body, request.Scope);
        return current =>
        {
            try
            {
                return patcher(current, patch);
            }
            catch (PatchException e) when (e.Kind == PatchErrorKind.Malformed)
            {
                throw ApiException.BadRequest(e.Message);
            }
            catch (PatchException e)
            {
                throw new ApiException(422, "Invalid", e.Message);
            }
        };
    }

    private static ApiException Unsupported(ResourceDefinition definition, string mediaType)
    {
        var accepted = definition.SupportsStrategicMergePatch
            ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
            : "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
        return ApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: {accepted}" +
            (mediaType.Length > 0 ? $" (got {mediaType})" : ""));
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Patch;
using Datum.Server.Http;
using Datum.Server.Registry;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.CustomResources;

/// <summary>
/// The <c>scale</c> subresource of a custom resource: an <c>autoscaling/v1 Scale</c> view of the object whose
/// <c>spec.replicas</c>, <c>status.replicas</c> and <c>status.selector</c> live at the paths the CRD names.
/// Writes change only the field at <c>specReplicasPath</c>.
/// </summary>
public sealed class ScaleSubresource(string specReplicasPath, string statusReplicasPath, string? labelSelectorPath) : ISubresource
{
    private static readonly Datum.Machinery.Api.GroupVersionKind ScaleKind = new("autoscaling", "v1", "Scale");

    /// <inheritdoc />
    public string Name => "scale";

    /// <inheritdoc />
    public IReadOnlyList<string> Verbs { get; } = ["get", "patch", "update"];

    /// <inheritdoc />
    public Datum.Machinery.Api.GroupVersionKind ResponseKind => ScaleKind;

    /// <inheritdoc />
    public async Task HandleAsync(ResourceRequest request)
    {
        var name = request.Info.Name!;
        var method = request.Http.Request.Method;
        Datum.Storage.StoredObject stored;
        if (HttpMethods.IsGet(method))
        {
            stored = await request.Store.GetAsync(request.Scope, name, request.Aborted).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPut(method) || HttpMethods.IsPatch(method))
        {
            var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
            var mediaType = RequestBody.MediaType(request.Http.Request);
            Func<JsonObject, JsonObject> toScale = HttpMethods.IsPut(method) ? ReplaceWith(body, mediaType, request.Scope) : PatchWith(body, mediaType, request.Scope);
            stored = await request.Store.UpdateAsync(request.Scope, name, current =>
            {
                var scale = toScale(ToScale(current, null));
                var errors = new List<FieldError>();
                var replicas = scale["spec"]?["replicas"];
                if (replicas is null || !JsonNumbers.TryGetInt64(replicas, out var count))
                {
                    errors.Add(replicas is null ? FieldError.Required("spec.replicas") : new FieldError(FieldErrorType.TypeInvalid, "spec.replicas", "must be of type integer", replicas.DeepClone(), true));
                    count = 0;
                }
                else if (count < 0)
                {
                    errors.Add(FieldError.Invalid("spec.replicas", replicas.DeepClone(), "must be greater than or equal to 0"));
                }
                if (errors.Count > 0) throw ApiException.Invalid(ScaleKind, name, errors);
                SetPath(current, specReplicasPath, JsonValue.Create(count));
                if (ObjectFields.ResourceVersion(scale) is { Length: > 0 } rv) ObjectFields.Metadata(current)["resourceVersion"] = rv;
                return current;
            }, requireResourceVersion: false, request.Aborted).ConfigureAwait(false);
            ResponseWriter.AddWarnings(request.Http, request.Scope);
        }
        else
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
        var obj = ObjectEncoding.Decode(stored.Value);
        await ResponseWriter.WriteJsonAsync(request.Http, 200, ObjectEncoding.Encode(ToScale(obj, ObjectEncoding.Rv(stored.ModRevision))), request.Aborted).ConfigureAwait(false);
    }

    private JsonObject ToScale(JsonObject obj, string? resourceVersion)
    {
        var meta = ObjectFields.Metadata(obj);
        var scaleMeta = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (meta[field] is { } value) scaleMeta[field] = value.DeepClone();
        }
        if (resourceVersion is not null) scaleMeta["resourceVersion"] = resourceVersion;
        var status = new JsonObject { ["replicas"] = JsonNumbers.TryGetInt64(TableWriter.JsonPathValue(obj, statusReplicasPath), out var current) ? current : 0 };
        if (labelSelectorPath is not null && TableWriter.JsonPathValue(obj, labelSelectorPath) is JsonValue selector && selector.GetValueKind() == JsonValueKind.String)
        {
            status["selector"] = selector.GetValue<string>();
        }
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = JsonNumbers.TryGetInt64(TableWriter.JsonPathValue(obj, specReplicasPath), out var desired) ? desired : 0 },
            ["status"] = status,
        };
    }

    private static Func<JsonObject, JsonObject> ReplaceWith(byte[] body, string mediaType, RequestScope scope)
    {
        if (mediaType is not ("" or "application/json"))
        {
            throw ApiException.UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json");
        }
        var scale = RequestBody.ParseJson(body, scope) as JsonObject ?? throw ApiException.BadRequest("the request body must be a Scale object");
        if (scale["kind"] is { } kind && kind.ToString() is { Length: > 0 } k && k != "Scale")
        {
            throw ApiException.BadRequest($"the kind in the request body ({k}) does not match the kind served at this URL (Scale)");
        }
        return _ => (JsonObject)scale.DeepClone();
    }

    private static Func<JsonObject, JsonObject> PatchWith(byte[] body, string mediaType, RequestScope scope)
    {
        var patch = RequestBody.ParseJson(body, scope);
        Func<JsonObject, JsonNode?> apply = mediaType switch
        {
            "application/json-patch+json" => current => JsonPatch.Apply(current, patch),
            "application/merge-patch+json" => current => JsonMergePatch.Apply(current, patch),
            _ => throw ApiException.UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json"),
        };
        return current =>
        {
            try
            {
                return apply(current) as JsonObject ?? throw ApiException.BadRequest("the patch must leave a JSON object");
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

    private static void SetPath(JsonObject obj, string path, JsonNode value)
    {
        var parts = path.TrimStart('.').Split('.');
        var node = obj;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject next)
            {
                next = new JsonObject();
                node[parts[i]] = next;
            }
            node = next;
        }
        node[parts[^1]] = value;
    }
}

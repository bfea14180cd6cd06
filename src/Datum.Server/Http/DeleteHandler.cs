using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;

namespace Datum.Server.Http;

/// <summary>DELETE of one object, and of a collection (deletecollection).</summary>
public static class DeleteHandler
{
    /// <summary>Deletes the object named in the URL; returns it (with deletionTimestamp when finalizers remain).</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var options = await ReadOptionsAsync(request).ConfigureAwait(false);
        var (stored, _) = await request.Store.DeleteAsync(request.Scope, request.Info.Name!, options, request.Aborted).ConfigureAwait(false);
        ResponseWriter.AddWarnings(request.Http, request.Scope);
        await ResponseWriter.WriteJsonAsync(request.Http, 200, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value), request.Aborted).ConfigureAwait(false);
    }

    /// <summary>Deletes every object of the collection that matches the selectors; returns the deleted list.</summary>
    public static async Task HandleCollectionAsync(ResourceRequest request)
    {
        var options = await ReadOptionsAsync(request).ConfigureAwait(false);
        var query = request.ListQuery() with { Limit = 0, Continue = null };
        var listed = await request.Store.ListAsync(request.Scope, query, request.Aborted).ConfigureAwait(false);
        var deleted = new List<Storage.StoredObject>();
        foreach (var item in listed.Items)
        {
            var obj = ObjectEncoding.Decode(item.Value);
            var scope = request.Scope;
            var itemScope = new RequestScope
            {
                Definition = scope.Definition, Cluster = scope.Cluster, Namespace = ObjectFields.Namespace(obj) ?? scope.Namespace,
                User = scope.User, DryRun = scope.DryRun, FieldManager = scope.FieldManager,
            };
            try
            {
                var (result, _) = await request.Store.DeleteAsync(itemScope, ObjectFields.Name(obj)!, options with { ResourceVersion = null, Uid = null }, request.Aborted).ConfigureAwait(false);
                deleted.Add(result);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Someone else deleted it meanwhile: the collection is still being emptied as asked.
            }
        }
        await ResponseWriter.WriteListAsync(request.Http, request.Scope.Definition, deleted, request.Store.Storage.CurrentRevision, null, request.Aborted).ConfigureAwait(false);
    }

    private static async Task<DeletePreconditions> ReadOptionsAsync(ResourceRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        if (body.Length == 0) return new DeletePreconditions();
        if (RequestBody.ParseJson(body, null) is not JsonObject options)
        {
            throw ApiException.BadRequest("the DELETE body must be a DeleteOptions object");
        }
        if (options["dryRun"] is JsonArray dryRun && dryRun.Any(v => v?.ToString() != "All"))
        {
            throw ApiException.BadRequest("dryRun: Unsupported value: supported values: \"All\"");
        }
        if (options["propagationPolicy"] is JsonValue policy && policy.ToString() is not ("Background" or "Foreground" or "Orphan"))
        {
            throw ApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
        }
        var preconditions = options["preconditions"] as JsonObject;
        return new DeletePreconditions(
            preconditions?["uid"]?.GetValue<string>(),
            preconditions?["resourceVersion"]?.GetValue<string>());
    }
}

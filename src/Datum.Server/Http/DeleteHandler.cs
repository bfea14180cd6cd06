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
        var options = await DeleteRequestOptions.ReadAsync(request).ConfigureAwait(false);
        var scope = options.ScopeFor(request.Scope);
        var (stored, _) = await request.Store.DeleteAsync(scope, request.Info.Name!, options.Preconditions, options.Propagation, request.Aborted).ConfigureAwait(false);
        ResponseWriter.AddWarnings(request.Http, scope);
        await ResponseWriter.WriteObjectAsync(request.Http, 200, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value), request.Aborted).ConfigureAwait(false);
    }

    /// <summary>Deletes every object of the collection that matches the selectors; returns the deleted list.</summary>
    public static async Task HandleCollectionAsync(ResourceRequest request)
    {
        var options = await DeleteRequestOptions.ReadAsync(request).ConfigureAwait(false);
        var query = request.ListQuery() with { Limit = 0, Continue = null };
        var listed = await request.Store.ListAsync(request.Scope, query, request.Aborted).ConfigureAwait(false);
        var deleted = new List<Storage.StoredObject>();
        foreach (var item in listed.Items)
        {
            var obj = ObjectEncoding.Decode(item.Value);
            var itemScope = options.ScopeFor(request.Scope, ObjectFields.Namespace(obj));
            try
            {
                var (result, _) = await request.Store.DeleteAsync(itemScope, ObjectFields.Name(obj)!, new DeletePreconditions(), options.Propagation, request.Aborted).ConfigureAwait(false);
                deleted.Add(result);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Someone else deleted it meanwhile: the collection is still being emptied as asked.
            }
        }
        await ResponseWriter.WriteListAsync(request.Http, request.Scope.Definition, deleted, request.Store.Storage.CurrentRevision, null, request.Aborted).ConfigureAwait(false);
    }
}

namespace Datum.Server.Http;

/// <summary>GET of a collection.</summary>
public static class ListHandler
{
    /// <summary>Serves one page of the collection in the URL.</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var query = request.ListQuery();
        var result = await request.Store.ListAsync(request.Scope, query, request.Aborted).ConfigureAwait(false);
        await ResponseWriter.WriteListAsync(request.Http, request.Scope.Definition, result.Items, result.Revision, result.Continue, request.Aborted).ConfigureAwait(false);
    }
}

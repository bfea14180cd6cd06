namespace Datum.Server.Http;

/// <summary>GET of a collection.</summary>
public static class ListHandler
{
    /// <summary>Serves one page of the collection in the URL.</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var query = request.ListQuery();
        var result = await request.Store.ListAsync(request.Scope, query, request.Aborted).ConfigureAwait(false);
        var format = OutputFormat.Negotiate(request.Http.Request, forList: true);
        if (format.Shape == OutputShape.Table)
        {
            var table = TableWriter.Table(request.Scope.Definition, result.Items, format, request.Query("includeObject"), result.Revision, result.Continue, TimeProvider.System);
            await ResponseWriter.WriteJsonAsync(request.Http, 200, table, request.Aborted).ConfigureAwait(false);
            return;
        }
        if (format.Shape == OutputShape.Metadata)
        {
            await ResponseWriter.WriteJsonAsync(request.Http, 200, TableWriter.PartialList(result.Items, format.MetaVersion, result.Revision, result.Continue), request.Aborted).ConfigureAwait(false);
            return;
        }
        await ResponseWriter.WriteListAsync(request.Http, request.Scope.Definition, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, result.Items), result.Revision, result.Continue, request.Aborted).ConfigureAwait(false);
    }
}

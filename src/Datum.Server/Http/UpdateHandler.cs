namespace Datum.Server.Http;

/// <summary>PUT of one object (or its status).</summary>
public static class UpdateHandler
{
    /// <summary>Replaces the object with the body, under optimistic concurrency.</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        var obj = RequestBody.DecodeObject(RequestBody.MediaType(request.Http.Request), body, request.Scope);
        var stored = await request.Store.ReplaceAsync(request.Scope, request.Info.Name!, obj, requireResourceVersion: true, request.Aborted).ConfigureAwait(false);
        ResponseWriter.AddWarnings(request.Http, request.Scope);
        await ResponseWriter.WriteObjectAsync(request.Http, 200, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value), request.Aborted).ConfigureAwait(false);
    }
}

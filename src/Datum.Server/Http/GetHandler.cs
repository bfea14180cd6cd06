using Datum.Machinery.Api;
using Datum.Server.Registry;

namespace Datum.Server.Http;

/// <summary>GET of one object.</summary>
public static class GetHandler
{
    /// <summary>Serves the object named in the URL.</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var stored = await request.Store.GetAsync(request.Scope, request.Info.Name!, request.Aborted).ConfigureAwait(false);
        var minimum = ResourceStore.ParseRv(request.Query("resourceVersion"));
        if (minimum is > 0 && minimum > request.Store.Storage.CurrentRevision)
        {
            throw new ApiException(504, "Timeout", $"Too large resource version: {minimum}, current: {request.Store.Storage.CurrentRevision}");
        }
        var format = OutputFormat.Negotiate(request.Http.Request, forList: false);
        if (format.Shape == OutputShape.Object)
        {
            await ResponseWriter.WriteObjectAsync(request.Http, 200, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value), request.Aborted).ConfigureAwait(false);
            return;
        }
        var body = format.Shape == OutputShape.Table
            ? TableWriter.Table(request.Scope.Definition, [stored], format, request.Query("includeObject"), null, null, TimeProvider.System)
            : TableWriter.Partial(stored, format.MetaVersion);
        await ResponseWriter.WriteJsonAsync(request.Http, 200, body, request.Aborted).ConfigureAwait(false);
    }
}

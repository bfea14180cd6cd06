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
        var body = format.Shape switch
        {
            OutputShape.Table => TableWriter.Table(request.Scope.Definition, [stored], format, request.Query("includeObject"), null, null, TimeProvider.System),
            OutputShape.Metadata => TableWriter.Partial(stored, format.MetaVersion),
            _ => CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value),
        };
        await ResponseWriter.WriteJsonAsync(request.Http, 200, body, request.Aborted).ConfigureAwait(false);
    }
}

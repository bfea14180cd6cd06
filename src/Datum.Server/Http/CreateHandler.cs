using Datum.Machinery.Api;

namespace Datum.Server.Http;

/// <summary>POST to a collection.</summary>
public static class CreateHandler
{
    /// <summary>Decodes the body and creates it (or answers a virtual review kind).</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        var obj = RequestBody.DecodeObject(RequestBody.MediaType(request.Http.Request), body, request.Scope);
        var definition = request.Scope.Definition;
        if (definition.Review is { } review)
        {
            var answer = await review(new Registry.ReviewContext(request.Scope.User, request.Scope.Cluster), obj, request.Aborted).ConfigureAwait(false);
            answer["apiVersion"] = definition.ApiVersion;
            answer["kind"] = definition.Kind;
            await ResponseWriter.WriteObjectAsync(request.Http, 201, Registry.ObjectEncoding.Encode(answer), request.Aborted).ConfigureAwait(false);
            return;
        }
        if (request.Info.Name is not null) throw ApiException.MethodNotAllowed($"POST is not supported on a named {definition.Plural} object");
        if (request.Info.Namespace is not null)
        {
            await NamespaceGuard.EnsureUsableAsync(request.Store, request.Catalog, request.Scope, Machinery.Objects.ObjectFields.MetaString(obj, "name"), request.Aborted).ConfigureAwait(false);
        }
        var stored = await request.Store.CreateAsync(request.Scope, obj, request.Aborted).ConfigureAwait(false);
        ResponseWriter.AddWarnings(request.Http, request.Scope);
        await ResponseWriter.WriteObjectAsync(request.Http, 201, CustomResources.CustomResourceVersions.Present(request.Scope.Definition, stored.Value), request.Aborted).ConfigureAwait(false);
    }
}

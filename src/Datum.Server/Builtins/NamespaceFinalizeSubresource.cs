using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Server.Http;
using Datum.Server.Registry;

namespace Datum.Server.Builtins;

/// <summary>
/// <c>PUT /api/v1/namespaces/{name}/finalize</c>: the namespace controller's way to drop <c>spec.finalizers</c>
/// entries once it has emptied a namespace. Only <c>spec.finalizers</c> is taken from the body.
/// </summary>
public sealed class NamespaceFinalizeSubresource : ISubresource
{
    /// <inheritdoc />
    public string Name => "finalize";

    /// <inheritdoc />
    public IReadOnlyList<string> Verbs { get; } = ["update"];

    /// <inheritdoc />
    public GroupVersionKind ResponseKind => new("", "v1", "Namespace");

    /// <inheritdoc />
    public async Task HandleAsync(ResourceRequest request)
    {
        if (!string.Equals(request.Http.Request.Method, "PUT", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.MethodNotAllowed("namespaces/finalize supports only update (PUT)");
        }
        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        var requested = RequestBody.DecodeObject(RequestBody.MediaType(request.Http.Request), body, request.Scope);
        var finalizers = (requested["spec"] as JsonObject)?["finalizers"]?.DeepClone() ?? new JsonArray();
        var precondition = (requested["metadata"] as JsonObject)?["resourceVersion"]?.DeepClone();
        var stored = await request.Store.UpdateAsync(request.Scope, request.Info.Name!, current =>
        {
            var spec = current["spec"] as JsonObject ?? new JsonObject();
            spec["finalizers"] = finalizers.DeepClone();
            current["spec"] = spec;
            if (precondition is not null) ((JsonObject)current["metadata"]!)["resourceVersion"] = precondition.DeepClone();
            return current;
        }, requireResourceVersion: false, request.Aborted).ConfigureAwait(false);
        await ResponseWriter.WriteObjectAsync(request.Http, 200, stored.Value, request.Aborted).ConfigureAwait(false);
    }
}

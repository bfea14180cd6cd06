using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;

namespace Datum.Server.Http;

/// <summary>Namespace lifecycle admission: writes into a namespace need it to exist and not be terminating.</summary>
public static class NamespaceGuard
{
    /// <summary>For creates: throws 404 when the namespace is missing and 403 when it is being deleted.</summary>
    public static async Task EnsureUsableAsync(ResourceStore store, ResourceCatalog catalog, RequestScope scope, CancellationToken ct)
    {
        var namespaces = catalog.Find("", "v1", "namespaces");
        if (namespaces is null || scope.Namespace is null) return;
        var key = StorageKeys.ObjectKey(scope.Cluster, namespaces, null, scope.Namespace);
        var stored = await store.Storage.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiException.NotFound("", "namespaces", scope.Namespace);
        if (ObjectFields.MetaString(ObjectEncoding.Decode(stored.Value), "deletionTimestamp") is not null)
        {
            throw new ApiException(403, "Forbidden", $"{scope.Definition.Plural} is forbidden: unable to create new content in namespace {scope.Namespace} because it is being terminated")
            { DetailKind = scope.Definition.Plural };
        }
    }
}

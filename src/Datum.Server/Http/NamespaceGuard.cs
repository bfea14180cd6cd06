using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;

namespace Datum.Server.Http;

/// <summary>Namespace lifecycle admission: writes into a namespace need it to exist and not be terminating.</summary>
public static class NamespaceGuard
{
    /// <summary>For creates: throws 404 when the namespace is missing and 403 when it is being deleted.</summary>
    /// <param name="name">The name of the object being created, when known, for the Status as kube-apiserver gives it.</param>
    public static async Task EnsureUsableAsync(ResourceStore store, ResourceCatalog catalog, RequestScope scope, string? name, CancellationToken ct)
    {
        var namespaces = catalog.Find("", "v1", "namespaces");
        if (namespaces is null || scope.Namespace is null) return;
        var key = StorageKeys.ObjectKey(scope.Cluster, namespaces, null, scope.Namespace);
        var stored = await store.Storage.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiException.NotFound("", "namespaces", scope.Namespace);
        if (ObjectEncoding.TryGetRawMetadataField(stored.Value, "deletionTimestamp", out var deletion) && !deletion.SequenceEqual("null"u8))
        {
            var named = string.IsNullOrEmpty(name) ? "" : $"\"{name}\" ";
            throw new ApiException(403, "Forbidden", $"{scope.Definition.Plural} {named}is forbidden: unable to create new content in namespace {scope.Namespace} because it is being terminated")
            {
                DetailName = string.IsNullOrEmpty(name) ? null : name,
                DetailGroup = scope.Definition.Group,
                DetailKind = scope.Definition.Plural,
                Causes = [new FieldError(FieldErrorType.NamespaceTerminating, "metadata.namespace", $"namespace {scope.Namespace} is being terminated")],
            };
        }
    }
}

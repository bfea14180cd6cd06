using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.Server.Registry;

namespace Datum.ResourceManager.Admission.ResourceManager;

/// <summary>
/// Organization creation: organizations live only in the platform, and the creator (unless in
/// <c>system:masters</c>) is recorded in <see cref="ResourceManagerNames.CreatorAnnotation"/> so the organization
/// controller can give them the owner membership. Never writes.
/// </summary>
internal sealed class OrganizationAdmission : IAdmissionPlugin
{
    /// <inheritdoc />
    public ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(scope.Definition, Organization.Definition) || operation != AdmissionOperation.Create || obj is null) return ValueTask.CompletedTask;
        if (scope.Cluster != StorageKeys.RootCluster)
        {
            throw ApiException.Forbidden("organizations can only be created in the platform control plane");
        }
        var meta = ObjectFields.Metadata(obj);
        var annotations = meta["annotations"] as JsonObject;
        annotations?.Remove(ResourceManagerNames.CreatorAnnotation);
        if (!scope.User.Groups.Contains("system:masters"))
        {
            annotations ??= new JsonObject();
            annotations[ResourceManagerNames.CreatorAnnotation] = scope.User.Uid ?? scope.User.Name;
            meta["annotations"] = annotations;
        }
        return ValueTask.CompletedTask;
    }
}

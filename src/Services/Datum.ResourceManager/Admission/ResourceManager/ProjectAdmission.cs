using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.Server.Registry;
using Datum.Server.Tenancy;
using Datum.Storage;

namespace Datum.ResourceManager.Admission.ResourceManager;

/// <summary>
/// Project creation: defaults the owner from the request's organization context (as Milo's mutating webhook does),
/// requires an owner organization that exists and is not being deleted, and points <c>metadata.ownerReferences</c>
/// at it. Projects live only in the platform's storage. Never writes.
/// </summary>
internal sealed class ProjectAdmission(IRevisionedStore storage) : IAdmissionPlugin
{
    /// <inheritdoc />
    public async ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(scope.Definition, Project.Definition) || operation != AdmissionOperation.Create || obj is null) return;
        if (scope.Cluster != StorageKeys.RootCluster)
        {
            throw ApiException.Forbidden("projects can only be created in the platform or in an organization's control plane");
        }
        var name = ObjectFields.Name(obj) ?? "";
        var parentType = Extra(scope, ControlPlane.ParentTypeExtra);
        if (parentType is not null)
        {
            if (parentType != "Organization" || Extra(scope, ControlPlane.ParentApiGroupExtra) != ResourceManagerNames.Group)
            {
                throw ApiException.Forbidden("parent context must be Organization from the resourcemanager.miloapis.com API group");
            }
            var org = Extra(scope, ControlPlane.ParentNameExtra) ?? "";
            if (obj["spec"] is not JsonObject spec) obj["spec"] = spec = new JsonObject();
            spec["ownerRef"] = new JsonObject { ["kind"] = "Organization", ["name"] = org };
            var meta = ObjectFields.Metadata(obj);
            var labels = meta["labels"] as JsonObject ?? new JsonObject();
            labels[ResourceManagerNames.OrganizationNameLabel] = org;
            meta["labels"] = labels;
        }

        var owner = Project.OrganizationOf(obj);
        if (string.IsNullOrEmpty(owner))
        {
            throw ApiException.Invalid(Project.Definition.GroupVersionKind, name,
                [FieldError.Required("spec.ownerRef.name", "a project needs an owner organization (or must be created in an organization's control plane)")]);
        }
        var stored = await storage.GetAsync(StorageKeys.ObjectKey(StorageKeys.RootCluster, Organization.Definition, null, owner), cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            throw ApiException.Invalid(Project.Definition.GroupVersionKind, name,
                [FieldError.Invalid("spec.ownerRef.name", JsonValue.Create(owner), $"organization \"{owner}\" does not exist")]);
        }
        var organization = ObjectEncoding.Decode(stored.Value);
        if (ObjectFields.MetaString(organization, "deletionTimestamp") is not null)
        {
            throw ApiException.Forbidden($"projects \"{name}\" is forbidden: organization \"{owner}\" is being deleted");
        }

        var metadata = ObjectFields.Metadata(obj);
        var refs = metadata["ownerReferences"] as JsonArray ?? [];
        var uid = ObjectFields.MetaString(organization, "uid");
        if (!refs.OfType<JsonObject>().Any(r => r["uid"]?.ToString() == uid))
        {
            refs.Add(new JsonObject
            {
                ["apiVersion"] = Organization.Definition.ApiVersion, ["kind"] = "Organization", ["name"] = owner, ["uid"] = uid,
            });
        }
        metadata["ownerReferences"] = refs;
    }

    private static string? Extra(RequestScope scope, string key) =>
        scope.User.Extra is { } extra && extra.TryGetValue(key, out var values) && values.Count > 0 ? values[0] : null;
}

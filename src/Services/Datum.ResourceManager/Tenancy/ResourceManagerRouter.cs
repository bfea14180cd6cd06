using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Validation;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.Server.Registry;
using Datum.Server.Tenancy;
using Datum.Storage;

namespace Datum.ResourceManager.Tenancy;

/// <summary>
/// Maps organization and project URL prefixes to their control planes:
/// <c>/apis/resourcemanager.miloapis.com/v1alpha1/organizations/{org}/control-plane/...</c> → cluster <c>org:{org}</c>,
/// <c>.../projects/{project}/control-plane/...</c> (alone, or inside an organization's prefix) → <c>project:{project}</c>.
/// The project prefix takes precedence. In organization context, projects are served from the platform with the
/// organization-name label forced on lists and watches.
/// </summary>
internal sealed class ResourceManagerRouter(IRevisionedStore storage) : IControlPlaneRouter
{
    private const string Base = "/apis/" + ResourceManagerNames.Group + "/" + ResourceManagerNames.Version + "/";

    /// <inheritdoc />
    public async ValueTask<ControlPlaneRoute?> RouteAsync(string path, CancellationToken cancellationToken)
    {
        if (!path.StartsWith(Base, StringComparison.Ordinal)) return null;
        string? org = null;
        var rest = path;
        if (Split(rest, "organizations/") is { } o)
        {
            org = o.Name;
            rest = o.Remainder;
            if (!IsLabel(org)) throw ApiException.BadRequest($"invalid organization ID \"{org}\"");
            await RequireAsync(Organization.Definition, org, $"organization \"{org}\" not found: there is no control plane at this address", cancellationToken).ConfigureAwait(false);
        }
        if (Split(rest, "projects/") is { } p)
        {
            if (!IsLabel(p.Name)) throw ApiException.BadRequest($"invalid project ID \"{p.Name}\"");
            var stored = await RequireAsync(Project.Definition, p.Name, $"project \"{p.Name}\" not found: there is no control plane at this address", cancellationToken).ConfigureAwait(false);
            // Every request in a project's plane passes here: decode the project only when its owner must be checked.
            if (org is not null && Project.OrganizationOf(ObjectEncoding.Decode(stored.Value)) != org)
            {
                throw new ApiException(404, "NotFound", $"project \"{p.Name}\" not found in organization \"{org}\"");
            }
            return new ControlPlaneRoute(ForProject(p.Name), p.Remainder);
        }
        return org is null ? null : new ControlPlaneRoute(ForOrganization(org), rest);
    }

    /// <summary>The control plane of an organization.</summary>
    public static ControlPlane ForOrganization(string org)
    {
        var selector = $"{ResourceManagerNames.OrganizationNameLabel}={org}";
        return new ControlPlane
        {
            Cluster = ResourceManagerNames.OrganizationCluster(org),
            UrlPrefix = ResourceManagerNames.OrganizationPrefix(org),
            ParentApiGroup = ResourceManagerNames.Group, ParentType = "Organization", ParentName = org,
            Placement = definition => ReferenceEquals(definition, Project.Definition) ? new KindPlacement(StorageKeys.RootCluster, selector) : null,
        };
    }

    /// <summary>The control plane of a project.</summary>
    public static ControlPlane ForProject(string project) => new()
    {
        Cluster = ResourceManagerNames.ProjectCluster(project),
        UrlPrefix = ResourceManagerNames.ProjectPrefix(project),
        ParentApiGroup = ResourceManagerNames.Group, ParentType = "Project", ParentName = project,
    };

    /// <summary>Splits <c>/apis/resourcemanager.miloapis.com/v1alpha1/{collection}{name}/control-plane{rest}</c>.</summary>
    private static (string Name, string Remainder)? Split(string path, string collection)
    {
        var start = Base + collection;
        if (!path.StartsWith(start, StringComparison.Ordinal)) return null;
        var slash = path.IndexOf('/', start.Length);
        if (slash < 0) return null;
        const string marker = "/control-plane";
        if (string.CompareOrdinal(path, slash, marker, 0, marker.Length) != 0) return null;
        var after = slash + marker.Length;
        if (after < path.Length && path[after] != '/') return null;
        var rest = after >= path.Length ? "/" : path[after..];
        return (path[start.Length..slash], rest);
    }

    private static bool IsLabel(string name) => NameRules.Check(name, NameRules.Format.Label).Count == 0;

    private async ValueTask<StoredObject> RequireAsync(ResourceDefinition definition, string name, string message, CancellationToken ct)
    {
        var stored = await storage.GetAsync(StorageKeys.ObjectKey(StorageKeys.RootCluster, definition, null, name), ct).ConfigureAwait(false);
        return stored ?? throw new ApiException(404, "NotFound", message) { DetailName = name, DetailGroup = definition.Group, DetailKind = definition.Plural };
    }
}

using Datum.Server.Registry;

namespace Datum.Server.Tenancy;

/// <summary>
/// One logical control plane: a URL prefix mapped to a storage cluster segment
/// (<c>/registry/{cluster}/...</c>). The platform is <see cref="Platform"/>; organization and project planes come
/// from an <see cref="IControlPlaneRouter"/>. Nothing a request does in one plane reads or writes another's keys,
/// except kinds the plane explicitly places elsewhere (<see cref="Placement"/>).
/// </summary>
public sealed record ControlPlane
{
    /// <summary>The user-extra key naming the parent's API group.</summary>
    public const string ParentApiGroupExtra = "iam.miloapis.com/parent-api-group";

    /// <summary>The user-extra key naming the parent's kind.</summary>
    public const string ParentTypeExtra = "iam.miloapis.com/parent-type";

    /// <summary>The user-extra key naming the parent object.</summary>
    public const string ParentNameExtra = "iam.miloapis.com/parent-name";

    /// <summary>The storage cluster segment of this plane.</summary>
    public required string Cluster { get; init; }

    /// <summary>The URL prefix clients put before <c>/api</c> and <c>/apis</c> (empty for the platform).</summary>
    public string UrlPrefix { get; init; } = "";

    /// <summary>The API group of the object that owns this plane (<c>resourcemanager.miloapis.com</c>), or null.</summary>
    public string? ParentApiGroup { get; init; }

    /// <summary>The kind of the object that owns this plane (<c>Organization</c>, <c>Project</c>), or null.</summary>
    public string? ParentType { get; init; }

    /// <summary>The name of the object that owns this plane, or null.</summary>
    public string? ParentName { get; init; }

    /// <summary>
    /// Kinds this plane serves from another plane's storage (for example an organization's projects, which live in
    /// the platform), or null when a kind lives in this plane. Called once per request.
    /// </summary>
    public Func<ResourceDefinition, KindPlacement?>? Placement { get; init; }

    /// <summary>The platform control plane (<c>/api</c>, <c>/apis</c>; cluster <c>root</c>).</summary>
    public static ControlPlane Platform { get; } = new() { Cluster = StorageKeys.RootCluster };

    /// <summary>Where a kind's objects are stored when requested through this plane.</summary>
    public KindPlacement PlacementOf(ResourceDefinition definition) =>
        Placement?.Invoke(definition) ??
        new KindPlacement(definition.ServedFromPlatform && !definition.Namespaced ? StorageKeys.RootCluster : Cluster, null);
}

/// <summary>Where one kind is stored for a plane, and the label selector forced on its lists and watches.</summary>
public sealed record KindPlacement(string Cluster, string? RequiredLabelSelector);

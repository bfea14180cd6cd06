namespace Datum.Server.Tenancy;

/// <summary>
/// Recognises control-plane URL prefixes. The dispatcher calls <see cref="RouteAsync"/> once per authenticated
/// request, before anything else looks at the path; the first router that answers wins.
/// </summary>
public interface IControlPlaneRouter
{
    /// <summary>
    /// The plane <paramref name="path"/> addresses and the path with its prefix removed (starting with <c>/</c>), or
    /// null when the path has no prefix this router knows (the platform). Throws a 404
    /// <see cref="Datum.Machinery.Api.ApiException"/> when the prefix names an organization or project that does not
    /// exist, and 400 when the name is malformed.
    /// </summary>
    ValueTask<ControlPlaneRoute?> RouteAsync(string path, CancellationToken cancellationToken);
}

/// <summary>A routed request: its plane and the path inside it.</summary>
public sealed record ControlPlaneRoute(ControlPlane Plane, string Path);

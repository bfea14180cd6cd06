using Datum.Server.Security;

namespace Datum.Server.Tenancy;

/// <summary>The user a request runs as inside a control plane: the caller plus the plane's parent extras.</summary>
public static class ControlPlaneUsers
{
    /// <summary>
    /// <paramref name="user"/> with <c>iam.miloapis.com/parent-api-group</c>, <c>parent-type</c> and <c>parent-name</c>
    /// set to the plane's parent (replacing any the caller sent, e.g. by impersonation). The platform adds nothing.
    /// </summary>
    public static UserInfo WithParent(UserInfo user, ControlPlane plane)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(plane);
        if (plane.ParentType is null || plane.ParentName is null) return user;
        var extra = user.Extra is null
            ? new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
            : new Dictionary<string, IReadOnlyList<string>>(user.Extra, StringComparer.Ordinal);
        extra[ControlPlane.ParentApiGroupExtra] = [plane.ParentApiGroup ?? ""];
        extra[ControlPlane.ParentTypeExtra] = [plane.ParentType];
        extra[ControlPlane.ParentNameExtra] = [plane.ParentName];
        return user with { Extra = extra };
    }
}

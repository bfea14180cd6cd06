namespace Datum.Server.Security;

/// <summary>Kubernetes group names the authentication layer assigns.</summary>
internal static class WellKnownGroups
{
    /// <summary>Superusers: bypass authorization.</summary>
    public const string SystemMasters = "system:masters";

    /// <summary>Added to every authenticated user.</summary>
    public const string SystemAuthenticated = "system:authenticated";
}

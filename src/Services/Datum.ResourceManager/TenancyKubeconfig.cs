using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.Server.Security;

namespace Datum.ResourceManager;

/// <summary>Admin kubeconfigs with a context per control plane (server URL = base URL + the plane's prefix).</summary>
public static class TenancyKubeconfig
{
    /// <summary>The platform's context name.</summary>
    public const string PlatformContext = "platform";

    /// <summary>
    /// A kubeconfig with the <c>platform</c> context and, when given, one for <paramref name="project"/> (named after
    /// the project) or <paramref name="organization"/> (named <c>organization-{org}</c>), that one current.
    /// With <paramref name="token"/> the user authenticates with that bearer token (as <paramref name="userName"/>)
    /// instead of the admin certificate.
    /// </summary>
    public static string Render(ClusterCredentials credentials, string baseUrl, string? organization = null, string? project = null, string? token = null, string? userName = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        baseUrl = baseUrl.TrimEnd('/');
        var platform = KubeconfigSpec.ForAdminCertificate(credentials, baseUrl) with { ClusterName = "datum", ContextName = PlatformContext };
        if (token is not null) platform = platform with { ClientCertificatePem = null, ClientKeyPem = null, Token = token, UserName = userName ?? "user" };
        KubeconfigSpec? plane = null;
        if (!string.IsNullOrEmpty(project))
        {
            var prefix = organization is { Length: > 0 } org ? ResourceManagerNames.OrganizationPrefix(org) + ResourceManagerNames.ProjectPrefix(project) : ResourceManagerNames.ProjectPrefix(project);
            plane = platform with { Server = baseUrl + prefix, ClusterName = "datum-project-" + project, ContextName = project };
        }
        else if (!string.IsNullOrEmpty(organization))
        {
            plane = platform with { Server = baseUrl + ResourceManagerNames.OrganizationPrefix(organization), ClusterName = "datum-organization-" + organization, ContextName = "organization-" + organization };
        }
        return plane is null
            ? KubeconfigWriter.Render([platform], PlatformContext)
            : KubeconfigWriter.Render([platform, plane], plane.ContextName);
    }
}

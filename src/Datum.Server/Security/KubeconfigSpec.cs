using System.Security.Cryptography.X509Certificates;

namespace Datum.Server.Security;

/// <summary>
/// What goes into a single-cluster, single-user kubeconfig. Give either a client certificate and key, a token, or both.
/// </summary>
public sealed record KubeconfigSpec
{
    /// <summary>The API server URL, e.g. <c>https://127.0.0.1:6443</c>.</summary>
    public required string Server { get; init; }

    /// <summary>The cluster CA certificate as PEM.</summary>
    public required string CertificateAuthorityPem { get; init; }

    /// <summary>The client certificate as PEM, or <c>null</c>.</summary>
    public string? ClientCertificatePem { get; init; }

    /// <summary>The client certificate's private key as PEM, or <c>null</c>.</summary>
    public string? ClientKeyPem { get; init; }

    /// <summary>A bearer token, or <c>null</c>.</summary>
    public string? Token { get; init; }

    /// <summary>The context's default namespace, or <c>null</c> for the client's default.</summary>
    public string? Namespace { get; init; }

    /// <summary>The cluster entry's name.</summary>
    public string ClusterName { get; init; } = "datum";

    /// <summary>The user entry's name.</summary>
    public string UserName { get; init; } = "admin";

    /// <summary>The context's name, also the current context.</summary>
    public string ContextName { get; init; } = "datum-admin";

    /// <summary>A spec authenticating as admin with the admin client certificate.</summary>
    public static KubeconfigSpec ForAdminCertificate(ClusterCredentials credentials, string server)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new KubeconfigSpec
        {
            Server = server,
            CertificateAuthorityPem = credentials.CaPem,
            ClientCertificatePem = credentials.AdminCertificatePem,
            ClientKeyPem = credentials.AdminKeyPem,
        };
    }

    /// <summary>A spec authenticating as admin with the admin bearer token.</summary>
    public static KubeconfigSpec ForAdminToken(ClusterCredentials credentials, string server)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new KubeconfigSpec { Server = server, CertificateAuthorityPem = credentials.CaPem, Token = credentials.AdminToken };
    }

    /// <summary>
    /// A spec for a certificate from <see cref="ClusterCredentials.IssueClientCertificate"/>; the user entry is named
    /// after the certificate's CN and the context <c>datum-{CN}</c>.
    /// </summary>
    public static KubeconfigSpec ForClientCertificate(ClusterCredentials credentials, string server, X509Certificate2 clientCertificate)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(clientCertificate);
        var user = CertificateFactory.ReadSubject(clientCertificate).CommonName
            ?? throw new ArgumentException("The certificate has no common name.", nameof(clientCertificate));
        return new KubeconfigSpec
        {
            Server = server,
            CertificateAuthorityPem = credentials.CaPem,
            ClientCertificatePem = clientCertificate.ExportCertificatePem(),
            ClientKeyPem = CertificateFactory.ExportPrivateKeyPem(clientCertificate),
            UserName = user,
            ContextName = "datum-" + user,
        };
    }
}

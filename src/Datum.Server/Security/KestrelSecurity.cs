using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Datum.Server.Security;

/// <summary>Configures Kestrel endpoints to serve the API over the cluster's TLS credentials.</summary>
internal static class KestrelSecurity
{
    /// <summary>Kubernetes clients multiplex many watches over one HTTP/2 connection; the default of 100 is too low.</summary>
    public const int MaxStreamsPerConnection = 1000;

    /// <summary>
    /// Listens on <paramref name="address"/>:<paramref name="port"/> with HTTPS only (see
    /// <see cref="UseDatumHttps(ListenOptions, ClusterCredentials)"/>) and raises the HTTP/2 stream limit.
    /// </summary>
    public static void UseDatumHttps(this KestrelServerOptions options, ClusterCredentials credentials, IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(address);
        options.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
        options.Listen(address, port, listen => listen.UseDatumHttps(credentials));
    }

    /// <summary>
    /// Serves HTTP/1.1 and HTTP/2 over TLS 1.2/1.3 with the serving certificate. Client certificates are optional
    /// (token clients must still connect) but, when presented, must be issued by the cluster CA or the handshake fails.
    /// </summary>
    public static ListenOptions UseDatumHttps(this ListenOptions listen, ClusterCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(credentials);
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        return listen.UseHttps(https =>
        {
            https.ServerCertificate = credentials.ServingCertificate;
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.CheckCertificateRevocation = false;
            // The platform's chain errors (untrusted root: our CA is in no system store) are ignored on purpose;
            // the cluster CA is the only trust anchor.
            https.ClientCertificateValidation = (certificate, _, _) => credentials.IsIssuedByCluster(certificate);
        });
    }
}

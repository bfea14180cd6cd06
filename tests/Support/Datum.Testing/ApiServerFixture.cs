using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Datum.Server.Hosting;
using Datum.Server.Http;

namespace Datum.Testing;

/// <summary>
/// A real in-process API server over HTTPS (random port, temp data directory) and an admin client authenticated
/// with the admin client certificate. Test projects derive from it and say which kinds or services to add in
/// <see cref="Configure"/>.
/// </summary>
public abstract class ApiServerFixture : IAsyncLifetime
{
    private static int s_namespaceCounter;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("datum-api-").FullName;
    private X509Certificate2? _adminCertificate;

    public DatumServer Server { get; private set; } = null!;

    /// <summary>The server's data directory (keys for tokens live in its <c>pki/</c>).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>Authenticated as admin with the client certificate.</summary>
    public ApiClient Admin { get; private set; } = null!;

    /// <summary>Adds what the tests need (kinds, service modules) to the server options.</summary>
    protected abstract DatumServerOptions Configure(DatumServerOptions options);

    public virtual async Task InitializeAsync()
    {
        Server = await DatumServer.StartAsync(Configure(new DatumServerOptions
        {
            DataDirectory = _dataDirectory,
            SecurePort = 0,
            Watch = new WatchSettings { BookmarkInterval = TimeSpan.FromSeconds(1) },
        }), CancellationToken.None);
        _adminCertificate = X509Certificate2.CreateFromPem(Server.Credentials.AdminCertificatePem, Server.Credentials.AdminKeyPem);
        Admin = CreateClient(_adminCertificate);
    }

    public virtual async Task DisposeAsync()
    {
        Admin?.Dispose();
        await Server.DisposeAsync();
        _adminCertificate?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A client trusting only the cluster CA, optionally with a client certificate or bearer token.</summary>
    public ApiClient CreateClient(X509Certificate2? clientCertificate = null, string? bearerToken = null)
    {
        var ca = Server.Credentials.CertificateAuthority;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 64,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }
        var http = new HttpClient(handler) { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(30) };
        if (bearerToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }
        return new ApiClient(http);
    }

    /// <summary>Creates a fresh namespace for one test and returns its name.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = $"t{Interlocked.Increment(ref s_namespaceCounter)}-{Guid.NewGuid().ToString("N")[..8]}";
        var response = await Admin.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return name;
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Datum.Server.Security;

namespace Datum.Server.Tests.Security;

public sealed class TlsAuthenticationTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly TempDirectory _foreignDir = new();
    private ClusterCredentials _credentials = null!;
    private ClusterCredentials _foreign = null!;
    private SecureTestServer _server = null!;
    private X509Certificate2 _adminCertificate = null!;

    public async Task InitializeAsync()
    {
        _credentials = await ClusterCredentials.LoadOrCreateAsync(_dir.Path, CancellationToken.None);
        _foreign = await ClusterCredentials.LoadOrCreateAsync(_foreignDir.Path, CancellationToken.None);
        _adminCertificate = X509Certificate2.CreateFromPem(_credentials.AdminCertificatePem, _credentials.AdminKeyPem);
        _server = await SecureTestServer.StartAsync(_credentials);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _adminCertificate.Dispose();
        _credentials.Dispose();
        _foreign.Dispose();
        _dir.Dispose();
        _foreignDir.Dispose();
    }

    [Fact]
    public async Task AdminClientCertificateAuthenticatesAsAdmin()
    {
        using var client = _server.CreateClient(_credentials.CertificateAuthority, _adminCertificate);
        var body = await client.GetStringAsync("/whoami");
        Assert.Equal("admin|system:masters,system:authenticated", body);
    }

    [Fact]
    public async Task AdminTokenAuthenticatesAsAdminOverHttp2()
    {
        using var client = _server.CreateClient(_credentials.CertificateAuthority, bearerToken: _credentials.AdminToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("admin|system:masters,system:authenticated", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IssuedCertificateOverHttp2AuthenticatesAsItsSubject()
    {
        using var certificate = _credentials.IssueClientCertificate("alice", ["dev", "ops"], TimeSpan.FromHours(1));
        using var client = _server.CreateClient(_credentials.CertificateAuthority, certificate);
        client.DefaultRequestVersion = HttpVersion.Version20;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        // Several requests on one connection: the second onwards use the per-connection cache.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("alice|dev,ops,system:authenticated", await client.GetStringAsync("/whoami"));
        }
    }

    [Fact]
    public async Task BadTokenIsRejectedEvenWithValidCertificate()
    {
        using var client = _server.CreateClient(_credentials.CertificateAuthority, _adminCertificate, bearerToken: "not-the-token");
        using var response = await client.GetAsync("/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid bearer token", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoCredentialsIsUnauthorized()
    {
        using var client = _server.CreateClient(_credentials.CertificateAuthority);
        using var response = await client.GetAsync("/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ForeignCaCertificateIsRejected()
    {
        using var foreignAdmin = X509Certificate2.CreateFromPem(_foreign.AdminCertificatePem, _foreign.AdminKeyPem);
        using var client = _server.CreateClient(_credentials.CertificateAuthority, foreignAdmin);
        try
        {
            using var response = await client.GetAsync("/whoami");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // Expected: the server fails the TLS handshake.
        }
    }

    [Fact]
    public async Task ClientRefusesServerWhenTrustingAnotherCa()
    {
        // Sanity check of the test client itself: the server's certificate is only trusted through our CA.
        using var client = _server.CreateClient(_foreign.CertificateAuthority, bearerToken: _credentials.AdminToken);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/whoami"));
    }

    [Fact]
    public async Task NegotiatesModernTlsAndHttp2ViaAlpn()
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.BaseAddress.Port);
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2],
        });
        Assert.True(tls.SslProtocol is System.Security.Authentication.SslProtocols.Tls12 or System.Security.Authentication.SslProtocols.Tls13);
        Assert.Equal(System.Net.Security.SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Datum.Server.Security;

namespace Datum.Server.Tests.Security;

public sealed class ClusterCredentialsTests
{
    private static readonly string[] PemFiles = ["ca.crt", "ca.key", "serving.crt", "serving.key", "admin.crt", "admin.key", "admin.token"];

    [Fact]
    public async Task FirstCallCreatesAllFilesWithPrivateKeysOwnerOnly()
    {
        using var dir = new TempDirectory();
        using var credentials = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);

        var pki = Path.Combine(dir.Path, "pki");
        foreach (var file in PemFiles)
        {
            Assert.True(File.Exists(Path.Combine(pki, file)), file);
        }

        Assert.Empty(Directory.GetFiles(pki, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in new[] { "ca.key", "serving.key", "admin.key", "admin.token" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(pki, file)));
            }
        }

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(Path.Combine(pki, "ca.crt"), CancellationToken.None));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", credentials.AdminKeyPem);
        Assert.Equal(43, credentials.AdminToken.Length); // 32 bytes, base64url without padding
        Assert.DoesNotContain('=', credentials.AdminToken);
    }

    [Fact]
    public async Task CertificatesHaveTheExpectedShape()
    {
        using var dir = new TempDirectory();
        using var credentials = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);

        var ca = credentials.CertificateAuthority;
        Assert.Equal("CN=datum-ca", ca.Subject);
        Assert.False(ca.HasPrivateKey);
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.True(ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign));
        Assert.InRange(ca.NotAfter - ca.NotBefore, TimeSpan.FromDays(3650), TimeSpan.FromDays(3660));
        Assert.Equal("ECC", ca.PublicKey.Oid.FriendlyName);

        var serving = credentials.ServingCertificate;
        Assert.True(serving.HasPrivateKey);
        Assert.Equal(ca.Subject, serving.Issuer);
        Assert.Contains(serving.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(),
            oid => oid.Value == "1.3.6.1.5.5.7.3.1");
        var san = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var addresses = san.EnumerateIPAddresses().ToList();
        Assert.Contains(IPAddress.Loopback, addresses);
        Assert.Contains(IPAddress.IPv6Loopback, addresses);
        Assert.Contains("localhost", san.EnumerateDnsNames());
        Assert.True(serving.MatchesHostname("localhost"));
        Assert.True(serving.MatchesHostname("127.0.0.1"));

        using var admin = X509Certificate2.CreateFromPem(credentials.AdminCertificatePem, credentials.AdminKeyPem);
        Assert.Equal("admin", admin.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Contains("O=system:masters", admin.Subject);
    }

    [Fact]
    public async Task SecondCallReusesTheSameFiles()
    {
        using var dir = new TempDirectory();
        string caThumbprint, servingThumbprint, adminPem, token;
        using (var first = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None))
        {
            (caThumbprint, servingThumbprint, adminPem, token) =
                (first.CertificateAuthority.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificatePem, first.AdminToken);
        }

        using var second = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        Assert.Equal(caThumbprint, second.CertificateAuthority.Thumbprint);
        Assert.Equal(servingThumbprint, second.ServingCertificate.Thumbprint);
        Assert.Equal(adminPem, second.AdminCertificatePem);
        Assert.Equal(token, second.AdminToken);
    }

    [Fact]
    public async Task ServingCertificateNearExpiryIsReissuedWithTheSameCa()
    {
        using var dir = new TempDirectory();
        using var original = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);

        // 340 days later the one-year serving certificate has less than 30 days left.
        using var later = await ClusterCredentials.LoadOrCreateAsync(
            dir.Path, new ShiftedTimeProvider(TimeSpan.FromDays(340)), CancellationToken.None);

        Assert.Equal(original.CertificateAuthority.Thumbprint, later.CertificateAuthority.Thumbprint);
        Assert.NotEqual(original.ServingCertificate.Thumbprint, later.ServingCertificate.Thumbprint);
        Assert.True(later.ServingCertificate.NotAfter > original.ServingCertificate.NotAfter.AddDays(300));
        Assert.Equal(original.AdminToken, later.AdminToken);
    }

    [Fact]
    public async Task ServingPairWithMismatchedKeyIsRepaired()
    {
        using var dir = new TempDirectory();
        using var original = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        var pki = Path.Combine(dir.Path, "pki");
        // As if a crash hit between writing a new key and its certificate.
        File.Copy(Path.Combine(pki, "admin.key"), Path.Combine(pki, "serving.key"), overwrite: true);

        using var repaired = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        Assert.NotEqual(original.ServingCertificate.Thumbprint, repaired.ServingCertificate.Thumbprint);
        Assert.True(repaired.ServingCertificate.HasPrivateKey);
    }

    [Fact]
    public async Task IsIssuedByClusterAcceptsOnlyValidCertificatesFromOurCa()
    {
        using var dir = new TempDirectory();
        using var otherDir = new TempDirectory();
        // Created "a month ago" so a certificate that expired last week can still be signed within the CA's validity.
        using var credentials = await ClusterCredentials.LoadOrCreateAsync(
            dir.Path, new ShiftedTimeProvider(TimeSpan.FromDays(-30)), CancellationToken.None);
        using var current = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        using var foreign = await ClusterCredentials.LoadOrCreateAsync(otherDir.Path, CancellationToken.None);

        using var admin = X509Certificate2.CreateFromPem(current.AdminCertificatePem, current.AdminKeyPem);
        using var issued = current.IssueClientCertificate("alice", ["dev", "ops"], TimeSpan.FromHours(1));
        using var foreignIssued = foreign.IssueClientCertificate("mallory", ["system:masters"], TimeSpan.FromHours(1));
        using var foreignAdmin = X509Certificate2.CreateFromPem(foreign.AdminCertificatePem, foreign.AdminKeyPem);
        var now = DateTimeOffset.UtcNow;
        using var expired = current.IssueClientCertificate("bob", [], now.AddDays(-20), now.AddDays(-7));

        Assert.True(issued.HasPrivateKey);
        Assert.True(current.IsIssuedByCluster(admin));
        Assert.True(current.IsIssuedByCluster(issued));
        Assert.False(current.IsIssuedByCluster(foreignIssued));
        Assert.False(current.IsIssuedByCluster(foreignAdmin));
        Assert.False(current.IsIssuedByCluster(expired));
        // Neither the CA itself nor the server-auth-only serving certificate may act as a client certificate.
        Assert.False(current.IsIssuedByCluster(current.CertificateAuthority));
        Assert.False(current.IsIssuedByCluster(current.ServingCertificate));
    }

    [Fact]
    public async Task IssuedCertificateCarriesUserAndGroups()
    {
        using var dir = new TempDirectory();
        using var credentials = await ClusterCredentials.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        using var cert = credentials.IssueClientCertificate("alice", ["dev", "ops"], TimeSpan.FromDays(2));

        var (cn, orgs) = CertificateFactory.ReadSubject(cert);
        Assert.Equal("alice", cn);
        Assert.Equal(["dev", "ops"], orgs);
        Assert.InRange(cert.NotAfter - DateTime.Now, TimeSpan.FromDays(1.9), TimeSpan.FromDays(2.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => credentials.IssueClientCertificate("x", [], TimeSpan.Zero));
        Assert.ThrowsAny<ArgumentException>(() => credentials.IssueClientCertificate("", [], TimeSpan.FromHours(1)));
    }
}

using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Datum.Server.Security;

/// <summary>
/// The cluster's persistent TLS and authentication material, kept as PEM files under <c>{dataDirectory}/pki/</c>:
/// a self-signed CA, the HTTPS serving certificate, the admin client certificate and the admin bearer token.
/// </summary>
public sealed class ClusterCredentials : IDisposable
{
    private const string CaName = "ca";
    private const string ServingName = "serving";
    private const string AdminName = "admin";
    private const string TokenFileName = "admin.token";
    private const string LockFileName = ".lock";

    /// <summary>Leaf certificates closer than this to expiry are reissued at start-up.</summary>
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly X509Certificate2 _authorityWithKey;

    private ClusterCredentials(
        string pkiDirectory,
        X509Certificate2 authorityWithKey,
        X509Certificate2 servingCertificate,
        string adminCertificatePem,
        string adminKeyPem,
        string adminToken,
        TimeProvider time)
    {
        PkiDirectory = pkiDirectory;
        _authorityWithKey = authorityWithKey;
        CaPem = authorityWithKey.ExportCertificatePem();
        CertificateAuthority = X509Certificate2.CreateFromPem(CaPem);
        ServingCertificate = servingCertificate;
        AdminCertificatePem = adminCertificatePem;
        AdminKeyPem = adminKeyPem;
        AdminToken = adminToken;
        Time = time;
    }

    /// <summary>The directory holding the PEM files.</summary>
    public string PkiDirectory { get; }

    /// <summary>The cluster CA certificate (public part only).</summary>
    public X509Certificate2 CertificateAuthority { get; }

    /// <summary>The HTTPS serving certificate with its private key, ready for Kestrel.</summary>
    public X509Certificate2 ServingCertificate { get; }

    /// <summary>The CA certificate as PEM (what clients put in <c>certificate-authority-data</c>).</summary>
    public string CaPem { get; }

    /// <summary>The admin client certificate (CN=admin, O=system:masters) as PEM.</summary>
    public string AdminCertificatePem { get; }

    /// <summary>The admin client certificate's private key as PKCS#8 PEM.</summary>
    public string AdminKeyPem { get; }

    /// <summary>The admin bearer token (32 random bytes, base64url).</summary>
    public string AdminToken { get; }

    /// <summary>Clock used for issuing and verifying; tests substitute it to travel in time.</summary>
    internal TimeProvider Time { get; }

    /// <summary>
    /// Loads the credentials from <c>{dataDirectory}/pki/</c>, creating whatever is missing, and reissuing the
    /// serving and admin certificates when they are invalid or within 30 days of expiry (the CA is kept).
    /// </summary>
    public static Task<ClusterCredentials> LoadOrCreateAsync(string dataDirectory, CancellationToken cancellationToken) =>
        LoadOrCreateAsync(dataDirectory, TimeProvider.System, cancellationToken);

    /// <inheritdoc cref="LoadOrCreateAsync(string, CancellationToken)"/>
    internal static async Task<ClusterCredentials> LoadOrCreateAsync(
        string dataDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(time);

        var pki = Path.GetFullPath(Path.Combine(dataDirectory, "pki"));
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(pki);
        }
        else
        {
            Directory.CreateDirectory(pki, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Two processes creating at once could otherwise interleave writes and pair one CA's certificate with another's key.
        await using var pkiLock = await AcquireLockAsync(Path.Combine(pki, LockFileName), cancellationToken);

        var now = time.GetUtcNow();
        var authority = await LoadOrCreateAuthorityAsync(pki, now, cancellationToken);
        X509Certificate2? serving = null;
        try
        {
            var (servingCertPem, servingKeyPem) = await LoadOrIssueLeafAsync(
                pki, ServingName, authority, CertificateFactory.ServerAuthOid, now,
                () => CertificateFactory.CreateServingCertificate(authority, now, LocalHostNames()),
                cancellationToken);
            var (adminCertPem, adminKeyPem) = await LoadOrIssueLeafAsync(
                pki, AdminName, authority, CertificateFactory.ClientAuthOid, now,
                () => CertificateFactory.CreateClientCertificate(
                    authority, "admin", [WellKnownGroups.SystemMasters], now - CertificateFactory.ClockSkew, now.AddYears(1)),
                cancellationToken);
            var token = await LoadOrCreateTokenAsync(Path.Combine(pki, TokenFileName), cancellationToken);

            serving = CreateServingCertificateForKestrel(servingCertPem, servingKeyPem);
            return new ClusterCredentials(pki, authority, serving, adminCertPem, adminKeyPem, token, time);
        }
        catch
        {
            serving?.Dispose();
            authority.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Issues a client certificate (with private key) for <paramref name="user"/> in <paramref name="groups"/>,
    /// signed by the cluster CA. Its validity is capped at the CA's expiry.
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string user, IReadOnlyList<string> groups, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "The lifetime must be positive.");
        }

        var now = Time.GetUtcNow();
        return IssueClientCertificate(user, groups, now - CertificateFactory.ClockSkew, now + lifetime);
    }

    /// <summary>Issues a client certificate with an explicit validity period (tests use it to mint expired ones).</summary>
    internal X509Certificate2 IssueClientCertificate(
        string user, IReadOnlyList<string> groups, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentNullException.ThrowIfNull(groups);
        foreach (var group in groups)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(group, nameof(groups));
        }

        return CertificateFactory.CreateClientCertificate(_authorityWithKey, user, groups, notBefore, notAfter);
    }

    /// <summary>
    /// True when <paramref name="clientCertificate"/> was issued by this cluster's CA (and only it), is currently
    /// within its validity period and allows client authentication. Revocation is not checked.
    /// </summary>
    public bool IsIssuedByCluster(X509Certificate2 clientCertificate)
    {
        ArgumentNullException.ThrowIfNull(clientCertificate);
        return CertificateFactory.IsIssuedBy(
            CertificateAuthority, clientCertificate, CertificateFactory.ClientAuthOid, Time.GetUtcNow());
    }

    /// <summary>Releases the certificates and their keys.</summary>
    public void Dispose()
    {
        ServingCertificate.Dispose();
        CertificateAuthority.Dispose();
        _authorityWithKey.Dispose();
    }

    private static async Task<X509Certificate2> LoadOrCreateAuthorityAsync(string pki, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var certPath = CertPath(pki, CaName);
        var keyPath = KeyPath(pki, CaName);

        // ca.crt is written last, so its presence marks a complete CA. A lone ca.key is debris from a crash
        // during first creation and is simply overwritten: nothing can have been signed with it yet.
        if (File.Exists(certPath))
        {
            if (!File.Exists(keyPath))
            {
                throw new InvalidOperationException($"'{certPath}' exists but its key '{keyPath}' is missing; the cluster CA cannot be used.");
            }

            var certPem = await File.ReadAllTextAsync(certPath, cancellationToken);
            var keyPem = await File.ReadAllTextAsync(keyPath, cancellationToken);
            try
            {
                return X509Certificate2.CreateFromPem(certPem, keyPem);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // Never silently replace a CA: every client that trusts the old one would break.
                throw new InvalidOperationException($"The cluster CA in '{pki}' is unreadable or its key does not match: {e.Message}", e);
            }
        }

        var authority = CertificateFactory.CreateCertificateAuthority(now);
        try
        {
            await AtomicFile.WriteAllTextAsync(keyPath, CertificateFactory.ExportPrivateKeyPem(authority), AtomicFile.PrivateMode, cancellationToken);
            await AtomicFile.WriteAllTextAsync(certPath, authority.ExportCertificatePem(), AtomicFile.PublicMode, cancellationToken);
            return authority;
        }
        catch
        {
            authority.Dispose();
            throw;
        }
    }

    private static async Task<(string CertificatePem, string KeyPem)> LoadOrIssueLeafAsync(
        string pki,
        string name,
        X509Certificate2 authority,
        string extendedKeyUsageOid,
        DateTimeOffset now,
        Func<X509Certificate2> issue,
        CancellationToken cancellationToken)
    {
        var certPath = CertPath(pki, name);
        var keyPath = KeyPath(pki, name);
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            var certPem = await File.ReadAllTextAsync(certPath, cancellationToken);
            var keyPem = await File.ReadAllTextAsync(keyPath, cancellationToken);
            if (IsUsableLeaf(certPem, keyPem, authority, extendedKeyUsageOid, now))
            {
                return (certPem, keyPem);
            }
        }

        // Missing, mismatched (e.g. a crash between the key and certificate writes of a previous reissue),
        // signed by another CA, or about to expire: issue a fresh pair. Key first, certificate second,
        // each atomic; a crash in between yields a mismatch that the next start repairs the same way.
        using var certificate = issue();
        var newKeyPem = CertificateFactory.ExportPrivateKeyPem(certificate);
        var newCertPem = certificate.ExportCertificatePem();
        await AtomicFile.WriteAllTextAsync(keyPath, newKeyPem, AtomicFile.PrivateMode, cancellationToken);
        await AtomicFile.WriteAllTextAsync(certPath, newCertPem, AtomicFile.PublicMode, cancellationToken);
        return (newCertPem, newKeyPem);
    }

    private static bool IsUsableLeaf(string certPem, string keyPem, X509Certificate2 authority, string extendedKeyUsageOid, DateTimeOffset now)
    {
        try
        {
            // CreateFromPem throws when the key does not belong to the certificate.
            using var certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
            return new DateTimeOffset(certificate.NotAfter) - now > RenewBefore
                && CertificateFactory.IsIssuedBy(authority, certificate, extendedKeyUsageOid, now);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    private static async Task<string> LoadOrCreateTokenAsync(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            var existing = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            if (existing.Length > 0)
            {
                return existing;
            }
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await AtomicFile.WriteAllTextAsync(path, token + "\n", AtomicFile.PrivateMode, cancellationToken);
        return token;
    }

    private static X509Certificate2 CreateServingCertificateForKestrel(string certPem, string keyPem)
    {
        var certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        if (!OperatingSystem.IsWindows())
        {
            // On Linux (OpenSSL) SslStream uses the in-memory ephemeral key directly.
            return certificate;
        }

        // SChannel cannot use ephemeral keys; a PKCS#12 round trip gives the key a handle it can use.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
    }

    private static IEnumerable<string> LocalHostNames()
    {
        string host;
        try
        {
            host = Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            yield break;
        }

        yield return host;
    }

    /// <summary>Takes the exclusive lock on <paramref name="path"/> (the pki directory's <c>.lock</c>); dispose to release.</summary>
    internal static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = AtomicFile.PrivateMode;
        }

        var deadline = DateTimeOffset.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix, across and within processes.
                return new FileStream(path, options);
            }
            catch (IOException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }

    private static string CertPath(string pki, string name) => Path.Combine(pki, name + ".crt");

    private static string KeyPath(string pki, string name) => Path.Combine(pki, name + ".key");
}

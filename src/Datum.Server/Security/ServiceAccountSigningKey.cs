using System.Buffers.Text;
using System.Security.Cryptography;

namespace Datum.Server.Security;

/// <summary>
/// The key that signs service-account tokens: an ECDSA P-256 key kept as PKCS#8 PEM in <c>{pki}/sa.key</c>
/// (mode 0600), created once and then reused, so tokens survive restarts. Its key id (the <c>kid</c> JWT header)
/// is the base64url SHA-256 of the public key's SubjectPublicKeyInfo, as kube-apiserver computes it.
/// </summary>
internal sealed class ServiceAccountSigningKey : IDisposable
{
    /// <summary>The file name inside the pki directory.</summary>
    public const string FileName = "sa.key";

    private ServiceAccountSigningKey(ECDsa key)
    {
        Key = key;
        KeyId = Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The private key.</summary>
    public ECDsa Key { get; }

    /// <summary>The <c>kid</c> header of the tokens it signs.</summary>
    public string KeyId { get; }

    /// <summary>A fresh key that is never written anywhere (tests).</summary>
    public static ServiceAccountSigningKey CreateEphemeral() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>
    /// Loads <c>{pkiDirectory}/sa.key</c>, creating it (atomically, 0600, under the pki lock) when it is missing.
    /// An unreadable or non-P-256 key is an error rather than silently replaced: replacing it would revoke every token.
    /// </summary>
    public static async Task<ServiceAccountSigningKey> LoadOrCreateAsync(string pkiDirectory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkiDirectory);
        Directory.CreateDirectory(pkiDirectory);
        var path = Path.Combine(pkiDirectory, FileName);
        await using var pkiLock = await ClusterCredentials.AcquireLockAsync(Path.Combine(pkiDirectory, ".lock"), cancellationToken).ConfigureAwait(false);
        if (File.Exists(path))
        {
            var pem = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            var key = ECDsa.Create();
            try
            {
                key.ImportFromPem(pem);
                if (key.KeySize != 256)
                {
                    throw new CryptographicException($"expected a P-256 key, found a {key.KeySize}-bit one");
                }

                return new ServiceAccountSigningKey(key);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
                throw new InvalidOperationException($"The service-account signing key '{path}' is unreadable: {e.Message}", e);
            }
        }

        var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            await AtomicFile.WriteAllTextAsync(path, created.ExportPkcs8PrivateKeyPem(), AtomicFile.PrivateMode, cancellationToken).ConfigureAwait(false);
            return new ServiceAccountSigningKey(created);
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    /// <summary>Releases the key.</summary>
    public void Dispose() => Key.Dispose();
}

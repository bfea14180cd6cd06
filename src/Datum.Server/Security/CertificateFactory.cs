using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Datum.Server.Security;

/// <summary>
/// Creates and verifies the cluster's X.509 material. All keys are ECDSA P-256 signed with SHA-256,
/// which every Kubernetes client (Go crypto/tls included) accepts.
/// </summary>
internal static class CertificateFactory
{
    /// <summary>id-kp-serverAuth.</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth.</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";

    /// <summary>Certificates start slightly in the past so a client whose clock lags a little still accepts them.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Creates the self-signed cluster CA (with private key).</summary>
    public static X509Certificate2 CreateCertificateAuthority(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=datum-ca"), key, HashAlgorithmName.SHA256);
        // Path length 0: the CA signs leaves only, never intermediate CAs.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now - ClockSkew, now.AddYears(10), NewSerialNumber())
            .CopyWithPrivateKeyAndDispose(key);
    }

    /// <summary>Creates the HTTPS serving certificate for the given host names (loopback addresses are always included).</summary>
    public static X509Certificate2 CreateServingCertificate(X509Certificate2 authority, DateTimeOffset now, IEnumerable<string> hostNames)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        foreach (var host in hostNames.Where(IsUsableDnsName).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                names.AddDnsName(host);
            }
        }

        return Issue(authority, new X500DistinguishedName("CN=datum-apiserver"), ServerAuthOid, names.Build(), now - ClockSkew, now.AddYears(1));
    }

    /// <summary>Creates a client certificate whose CN is the user and whose O values are the groups (the Kubernetes convention).</summary>
    public static X509Certificate2 CreateClientCertificate(
        X509Certificate2 authority, string user, IEnumerable<string> groups, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        // The builder prepends each RDN to the encoding, so add in reverse to encode "O=g1, O=g2, ..., CN=user":
        // the order openssl and Go (and hence kube-apiserver) read the groups in.
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(user);
        foreach (var group in groups.Reverse())
        {
            subject.AddOrganizationName(group);
        }
        return Issue(authority, subject.Build(), ClientAuthOid, sanExtension: null, notBefore, notAfter);
    }

    /// <summary>
    /// True when <paramref name="certificate"/> was issued directly by <paramref name="authority"/>, is within its
    /// validity period at <paramref name="at"/>, and allows <paramref name="extendedKeyUsageOid"/>.
    /// Only <paramref name="authority"/> is trusted; the machine's root store is never consulted.
    /// </summary>
    public static bool IsIssuedBy(X509Certificate2 authority, X509Certificate2 certificate, string extendedKeyUsageOid, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.Add(authority);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = at.UtcDateTime;
        policy.ApplicationPolicy.Add(new Oid(extendedKeyUsageOid));

        try
        {
            if (!chain.Build(certificate))
            {
                return false;
            }

            // Exactly leaf + our CA: rejects the CA certificate itself (it has no EKU, so any usage would pass)
            // and anything reached through some other path.
            var elements = chain.ChainElements;
            return elements.Count == 2
                && elements[1].Certificate.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    /// <summary>Exports the ECDSA private key of <paramref name="certificate"/> as PKCS#8 PEM.</summary>
    public static string ExportPrivateKeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException("The certificate has no ECDSA private key.");
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Reads the subject the way Kubernetes does (in encoding order): the last CN is the user, every O is a group.</summary>
    public static (string? CommonName, List<string> Organizations) ReadSubject(X509Certificate2 certificate)
    {
        string? commonName = null;
        var organizations = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }

            switch (rdn.GetSingleElementType().Value)
            {
                case CommonNameOid:
                    commonName = rdn.GetSingleElementValue();
                    break;
                case OrganizationOid when rdn.GetSingleElementValue() is { Length: > 0 } organization:
                    organizations.Add(organization);
                    break;
            }
        }

        return (commonName, organizations);
    }

    private static X509Certificate2 Issue(
        X509Certificate2 authority,
        X500DistinguishedName subject,
        string extendedKeyUsageOid,
        X509Extension? sanExtension,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter)
    {
        // CertificateRequest.Create refuses validity outside the issuer's; clamp rather than fail.
        var authorityNotBefore = new DateTimeOffset(authority.NotBefore);
        var authorityNotAfter = new DateTimeOffset(authority.NotAfter);
        if (notBefore < authorityNotBefore)
        {
            notBefore = authorityNotBefore;
        }

        if (notAfter > authorityNotAfter)
        {
            notAfter = authorityNotAfter;
        }

        if (notAfter <= notBefore)
        {
            throw new ArgumentException("The requested validity period lies outside the certificate authority's.");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedKeyUsageOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (sanExtension is not null)
        {
            request.CertificateExtensions.Add(sanExtension);
        }

        using var publicOnly = request.Create(authority, notBefore, notAfter, NewSerialNumber());
        return publicOnly.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CopyWithPrivateKeyAndDispose(this X509Certificate2 certificate, ECDsa key)
    {
        using (certificate)
        {
            return certificate.CopyWithPrivateKey(key);
        }
    }

    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        // Positive and with a non-zero first byte, so the DER INTEGER is minimal (Go's parser rejects non-minimal ones).
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        return serial;
    }

    private static bool IsUsableDnsName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Datum.Server.Security;

/// <summary>What a service-account token is issued for.</summary>
/// <param name="Namespace">The service account's namespace.</param>
/// <param name="Name">The service account's name.</param>
/// <param name="Uid">The service account's uid (a recreated account with the same name does not accept old tokens).</param>
/// <param name="Audiences">The <c>aud</c> claim; empty means the issuer's API audiences.</param>
/// <param name="Lifetime">How long the token is valid.</param>
/// <param name="BoundSecret">The Secret the token is bound to (it dies with it), or null.</param>
/// <param name="Cluster">The control plane (storage cluster) the account lives in; only <c>root</c> tokens omit the claim.</param>
internal sealed record ServiceAccountTokenSpec(
    string Namespace, string Name, string Uid, IReadOnlyList<string> Audiences, TimeSpan Lifetime, BoundObjectClaim? BoundSecret = null,
    string Cluster = Registry.StorageKeys.RootCluster);

/// <summary>An object a token is bound to (<c>kubernetes.io.secret</c>).</summary>
internal sealed record BoundObjectClaim(string Name, string Uid);

/// <summary>A signed token and when it expires.</summary>
internal sealed record IssuedToken(string Token, DateTimeOffset ExpirationTimestamp, IReadOnlyList<string> Audiences);

/// <summary>The claims of a token whose signature, issuer, audience and validity period checked out.</summary>
internal sealed record ServiceAccountTokenClaims(string Namespace, string Name, string Uid, string? Id, BoundObjectClaim? BoundSecret,
    string Cluster = Registry.StorageKeys.RootCluster)
{
    /// <summary>The user name: <c>system:serviceaccount:NS:NAME</c>.</summary>
    public string UserName => ServiceAccountTokens.UserName(Namespace, Name);
}

/// <summary>
/// Issues and verifies service-account JWTs (JWS compact serialisation, ES256, <c>kid</c> header) with the claims
/// kube-apiserver uses: <c>iss</c>, <c>sub</c>, <c>aud</c>, <c>exp</c>, <c>iat</c>, <c>nbf</c>, <c>jti</c> and the
/// private <c>kubernetes.io</c> claim. Verification here is purely cryptographic and temporal; whether the service
/// account still exists is the <see cref="ServiceAccountTokenAuthenticator"/>'s business.
/// </summary>
internal sealed class ServiceAccountTokens
{
    /// <summary>The issuer (and default audience), as in-cluster clients of kube-apiserver know it.</summary>
    public const string DefaultIssuer = "https://kubernetes.default.svc";

    /// <summary>The claim naming the control plane of a token's account (absent for the platform).</summary>
    public const string ClusterClaim = "datum.miloapis.com/cluster";

    /// <summary>Prefix of service-account user names.</summary>
    public const string UserNamePrefix = "system:serviceaccount:";

    /// <summary>Group of every service account.</summary>
    public const string AllServiceAccountsGroup = "system:serviceaccounts";

    /// <summary>Clock skew tolerated on <c>exp</c>, <c>nbf</c> and <c>iat</c> (the go-jose default kube-apiserver uses).</summary>
    public static readonly TimeSpan Leeway = TimeSpan.FromMinutes(1);

    private const string Algorithm = "ES256";
    private const string PrivateClaim = "kubernetes.io";

    private readonly ServiceAccountSigningKey _key;
    private readonly string _encodedHeader;

    /// <summary>Creates an issuer signing with <paramref name="key"/>.</summary>
    public ServiceAccountTokens(ServiceAccountSigningKey key, TimeProvider time, string issuer = DefaultIssuer, IReadOnlyList<string>? apiAudiences = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        _key = key;
        Time = time;
        Issuer = issuer;
        ApiAudiences = apiAudiences is { Count: > 0 } ? apiAudiences : [issuer];
        _encodedHeader = Base64Url.EncodeToString(Json(w =>
        {
            w.WriteString("alg", Algorithm);
            w.WriteString("kid", key.KeyId);
        }));
    }

    /// <summary>The <c>iss</c> claim.</summary>
    public string Issuer { get; }

    /// <summary>Audiences the API server accepts; a token must name at least one of them.</summary>
    public IReadOnlyList<string> ApiAudiences { get; }

    /// <summary>The clock tokens are issued and checked against.</summary>
    public TimeProvider Time { get; }

    /// <summary>The user name of a service account.</summary>
    public static string UserName(string ns, string name) => UserNamePrefix + ns + ":" + name;

    /// <summary>Signs a token for <paramref name="spec"/>.</summary>
    public IssuedToken Issue(ServiceAccountTokenSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Lifetime, "The lifetime must be positive.");
        }

        var now = Time.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        var expires = DateTimeOffset.FromUnixTimeSeconds(issuedAt) + spec.Lifetime;
        var audiences = spec.Audiences.Count > 0 ? spec.Audiences : ApiAudiences;
        var payload = Json(w =>
        {
            w.WriteStartArray("aud");
            foreach (var audience in audiences)
            {
                w.WriteStringValue(audience);
            }

            w.WriteEndArray();
            w.WriteNumber("exp", expires.ToUnixTimeSeconds());
            w.WriteNumber("iat", issuedAt);
            w.WriteString("iss", Issuer);
            w.WriteString("jti", Guid.NewGuid().ToString());
            w.WriteStartObject(PrivateClaim);
            w.WriteString("namespace", spec.Namespace);
            if (spec.BoundSecret is { } secret)
            {
                w.WriteStartObject("secret");
                w.WriteString("name", secret.Name);
                w.WriteString("uid", secret.Uid);
                w.WriteEndObject();
            }

            w.WriteStartObject("serviceaccount");
            w.WriteString("name", spec.Name);
            w.WriteString("uid", spec.Uid);
            w.WriteEndObject();
            w.WriteEndObject();
            if (spec.Cluster != Registry.StorageKeys.RootCluster) w.WriteString(ClusterClaim, spec.Cluster);
            w.WriteNumber("nbf", issuedAt);
            w.WriteString("sub", UserName(spec.Namespace, spec.Name));
        });

        var signingInput = _encodedHeader + "." + Base64Url.EncodeToString(payload);
        // ECDsa.SignData produces the IEEE P1363 r||s form JWS requires (not DER).
        var signature = _key.Key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return new IssuedToken(signingInput + "." + Base64Url.EncodeToString(signature), expires, audiences);
    }

    /// <summary>
    /// The claims of <paramref name="token"/> when it is a well-formed ES256 JWT signed by this key, from this issuer,
    /// for one of <see cref="ApiAudiences"/>, and valid now (within <see cref="Leeway"/>); otherwise null.
    /// </summary>
    public ServiceAccountTokenClaims? Validate(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.Length - 1 || token.IndexOf('.', second + 1) >= 0)
        {
            return null;
        }

        try
        {
            var header = Base64Url.DecodeFromChars(token.AsSpan(0, first));
            var payload = Base64Url.DecodeFromChars(token.AsSpan(first + 1, second - first - 1));
            var signature = Base64Url.DecodeFromChars(token.AsSpan(second + 1));
            if (!IsOurHeader(header) || signature.Length != 64
                || !_key.Key.VerifyData(Encoding.ASCII.GetBytes(token, 0, second), signature, HashAlgorithmName.SHA256))
            {
                return null;
            }

            return ReadClaims(payload);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private bool IsOurHeader(byte[] header)
    {
        using var document = JsonDocument.Parse(header);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != Algorithm)
        {
            return false;
        }

        // Headers asking for anything we do not understand (crit, embedded keys) are refused rather than ignored.
        if (root.TryGetProperty("crit", out _) || root.TryGetProperty("jwk", out _) || root.TryGetProperty("jku", out _))
        {
            return false;
        }

        return !root.TryGetProperty("kid", out var kid) || (kid.ValueKind == JsonValueKind.String && kid.GetString() == _key.KeyId);
    }

    private ServiceAccountTokenClaims? ReadClaims(byte[] payload)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (String(root, "iss") != Issuer || !HasApiAudience(root))
        {
            return null;
        }

        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        var leeway = (long)Leeway.TotalSeconds;
        if (Seconds(root, "exp") is not { } exp || now > exp + leeway)
        {
            return null;
        }

        if ((Seconds(root, "nbf") is { } nbf && now + leeway < nbf) || (Seconds(root, "iat") is { } iat && now + leeway < iat))
        {
            return null;
        }

        if (!root.TryGetProperty(PrivateClaim, out var k8s) || k8s.ValueKind != JsonValueKind.Object
            || String(k8s, "namespace") is not { Length: > 0 } ns
            || !k8s.TryGetProperty("serviceaccount", out var sa) || sa.ValueKind != JsonValueKind.Object
            || String(sa, "name") is not { Length: > 0 } name || String(sa, "uid") is not { Length: > 0 } uid)
        {
            return null;
        }

        if (String(root, "sub") != UserName(ns, name))
        {
            return null;
        }

        BoundObjectClaim? secret = null;
        if (k8s.TryGetProperty("secret", out var boundSecret))
        {
            if (boundSecret.ValueKind != JsonValueKind.Object
                || String(boundSecret, "name") is not { Length: > 0 } secretName || String(boundSecret, "uid") is not { Length: > 0 } secretUid)
            {
                return null;
            }

            secret = new BoundObjectClaim(secretName, secretUid);
        }

        return new ServiceAccountTokenClaims(ns, name, uid, String(root, "jti"), secret, String(root, ClusterClaim) ?? Registry.StorageKeys.RootCluster);
    }

    private bool HasApiAudience(JsonElement root)
    {
        if (!root.TryGetProperty("aud", out var aud))
        {
            return false;
        }

        return aud.ValueKind switch
        {
            JsonValueKind.String => ApiAudiences.Contains(aud.GetString()!),
            JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && ApiAudiences.Contains(a.GetString()!)),
            _ => false,
        };
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Seconds(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) ? seconds : null;

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

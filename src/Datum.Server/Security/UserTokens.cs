using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Datum.Server.Security;

/// <summary>
/// Server-issued user tokens (<c>datum token create --user alice</c>): ES256 JWTs signed with the service-account key
/// (<c>pki/sa.key</c>), issuer <see cref="Issuer"/>, claims <c>sub</c> (the user name, also its uid), <c>groups</c>,
/// <c>exp</c>, <c>iat</c>, <c>nbf</c>, <c>jti</c>. They carry no <c>kubernetes.io</c> claim, so they are never taken for
/// service-account tokens. There is no revocation short of replacing the key; a service that knows better (IAM:
/// deactivated users) refuses the user through an <see cref="IUserValidator"/>.
/// Tokens for IAM service accounts (<c>iam.miloapis.com</c> ServiceAccount, <see cref="IssueForServiceAccount"/>) add
/// the claim <see cref="ServiceAccountClaim"/> (<c>{cluster, name}</c>): the user is then the account's email, the
/// extras name the account and its control plane (<see cref="ServiceAccountExtra"/>,
/// <see cref="ServiceAccountTokenAuthenticator.ClusterExtra"/>), and the token is good in that plane only.
/// </summary>
public sealed class UserTokens : IDisposable
{
    /// <summary>The <c>iss</c> of user tokens.</summary>
    public const string Issuer = "https://datum.miloapis.com/user-tokens";

    /// <summary>The claim of service-account tokens: <c>{"cluster": …, "name": …}</c>.</summary>
    public const string ServiceAccountClaim = "datum.miloapis.com/serviceaccount";

    /// <summary>The user extra naming the IAM service account a token authenticates (its control plane is in the cluster extra).</summary>
    public const string ServiceAccountExtra = "authentication.datum.miloapis.com/serviceaccount";

    /// <summary>The user extra naming the control plane (storage cluster) a service account belongs to.</summary>
    public const string ClusterExtra = ServiceAccountTokenAuthenticator.ClusterExtra;

    private const int CacheLimit = 10_000;
    private readonly ServiceAccountSigningKey _key;
    private readonly TimeProvider _time;

    // Verified tokens (an ECDSA verification costs far more than the rest of a request), until they expire.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (UserInfo User, long Expires)> _verified = new(StringComparer.Ordinal);

    internal UserTokens(ServiceAccountSigningKey key, TimeProvider time)
    {
        _key = key;
        _time = time;
    }

    /// <summary>Loads (or creates) the signing key of a data directory.</summary>
    public static async Task<UserTokens> LoadAsync(string dataDirectory, CancellationToken ct) =>
        new(await ServiceAccountSigningKey.LoadOrCreateAsync(Path.Combine(dataDirectory, "pki"), ct).ConfigureAwait(false), TimeProvider.System);

    /// <summary>Signs a token for <paramref name="user"/> with extra <paramref name="groups"/>, valid for <paramref name="lifetime"/>.</summary>
    public string Issue(string user, IReadOnlyList<string> groups, TimeSpan lifetime) => Issue(user, groups, lifetime, null);

    /// <summary>
    /// Signs a token for the IAM service account <paramref name="name"/> of control plane <paramref name="cluster"/>
    /// (storage cluster, e.g. <c>project:p1</c>), authenticating as <paramref name="email"/>.
    /// </summary>
    public string IssueForServiceAccount(string cluster, string name, string email, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Issue(email, [], lifetime, (cluster, name));
    }

    private string Issue(string user, IReadOnlyList<string> groups, TimeSpan lifetime, (string Cluster, string Name)? serviceAccount)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "The lifetime must be positive.");
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var header = Base64Url.EncodeToString(Json(w => { w.WriteString("alg", "ES256"); w.WriteString("kid", _key.KeyId); w.WriteString("typ", "JWT"); }));
        var payload = Base64Url.EncodeToString(Json(w =>
        {
            w.WriteString("iss", Issuer);
            w.WriteString("sub", user);
            w.WriteStartArray("groups");
            foreach (var g in groups) w.WriteStringValue(g);
            w.WriteEndArray();
            w.WriteNumber("iat", now);
            w.WriteNumber("nbf", now);
            w.WriteNumber("exp", now + (long)lifetime.TotalSeconds);
            w.WriteString("jti", Guid.NewGuid().ToString());
            if (serviceAccount is { } sa)
            {
                w.WriteStartObject(ServiceAccountClaim);
                w.WriteString("cluster", sa.Cluster);
                w.WriteString("name", sa.Name);
                w.WriteEndObject();
            }
        }));
        var input = header + "." + payload;
        return input + "." + Base64Url.EncodeToString(_key.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }

    /// <summary>The user of a valid token (signature, issuer, validity period with 60 s leeway), else null.</summary>
    public UserInfo? Validate(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (_verified.TryGetValue(token, out var cached))
        {
            if (now <= cached.Expires + 60) return cached.User;
            _verified.TryRemove(token, out _);
        }
        var verified = Verify(token, now);
        if (verified is { } v)
        {
            if (_verified.Count >= CacheLimit) _verified.Clear();
            _verified[token] = v;
        }
        return verified?.User;
    }

    private (UserInfo User, long Expires)? Verify(string token, long now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        try
        {
            // The issuer first: tokens of other issuers (service accounts) cost no signature verification here.
            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            var root = payload.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String || iss.GetString() != Issuer) return null;
            var signature = Base64Url.DecodeFromChars(parts[2]);
            if (signature.Length != 64 || !_key.Key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256)) return null;
            using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
            if (!header.RootElement.TryGetProperty("alg", out var alg) || alg.GetString() != "ES256" || header.RootElement.TryGetProperty("crit", out _)) return null;
            if (!root.TryGetProperty("sub", out var sub) || sub.GetString() is not { Length: > 0 } name) return null;
            if (!root.TryGetProperty("exp", out var exp) || now > exp.GetInt64() + 60) return null;
            if (root.TryGetProperty("nbf", out var nbf) && now + 60 < nbf.GetInt64()) return null;
            var groups = new List<string>();
            if (root.TryGetProperty("groups", out var g) && g.ValueKind == JsonValueKind.Array)
            {
                groups.AddRange(g.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Where(e => e != WellKnownGroups.SystemMasters));
            }
            if (!groups.Contains(WellKnownGroups.SystemAuthenticated)) groups.Add(WellKnownGroups.SystemAuthenticated);
            if (root.TryGetProperty(ServiceAccountClaim, out var sa))
            {
                if (sa.ValueKind != JsonValueKind.Object || !sa.TryGetProperty("cluster", out var c) || c.GetString() is not { Length: > 0 } cluster
                    || !sa.TryGetProperty("name", out var n) || n.GetString() is not { Length: > 0 } account) return null;
                // The uid is the account's, filled in by the IAM validator once it found the account.
                var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
                {
                    [ServiceAccountTokenAuthenticator.CredentialIdExtra] = ["JTI=" + (root.TryGetProperty("jti", out var jti) ? jti.GetString() : "")],
                    [ServiceAccountTokenAuthenticator.ClusterExtra] = [cluster],
                    [ServiceAccountExtra] = [account],
                };
                return (new UserInfo(name, null, [WellKnownGroups.SystemAuthenticated], extra), exp.GetInt64());
            }
            return (new UserInfo(name, name, groups), exp.GetInt64());
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) { writer.WriteStartObject(); write(writer); writer.WriteEndObject(); }
        return buffer.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

/// <summary>Accepts <see cref="UserTokens"/>.</summary>
internal sealed class UserTokenAuthenticator(UserTokens tokens) : ITokenAuthenticator
{
    /// <inheritdoc />
    public ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken cancellationToken) => ValueTask.FromResult(tokens.Validate(token));
}

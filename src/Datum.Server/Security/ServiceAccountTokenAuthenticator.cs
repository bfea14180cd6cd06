using Datum.Machinery.Objects;
using Datum.Server.Builtins;
using Datum.Server.Registry;

namespace Datum.Server.Security;

/// <summary>
/// Accepts service-account JWTs: the signature, issuer, audience and validity period must check out
/// (<see cref="ServiceAccountTokens.Validate"/>), and the service account (and the Secret the token is bound to,
/// if any) must still exist with the uid in the token and not be terminating, so deleting either revokes the token.
/// The user is <c>system:serviceaccount:NS:NAME</c> with the account's uid and the service-account groups.
/// </summary>
internal sealed class ServiceAccountTokenAuthenticator(ServiceAccountTokens tokens, ResourceStore store) : ITokenAuthenticator
{
    /// <summary>The extra key kube-apiserver uses to name the credential (<c>JTI=...</c>) for audit.</summary>
    public const string CredentialIdExtra = "authentication.kubernetes.io/credential-id";

    /// <summary>The user extra naming the control plane of a token's account, when it is not the platform.</summary>
    public const string ClusterExtra = "authentication.datum.miloapis.com/cluster";

    /// <summary>
    /// The control plane a token-authenticated service account (core or IAM) belongs to (its requests are accepted
    /// there only), or null for every other user.
    /// </summary>
    public static string? HomeCluster(UserInfo user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Extra is not { } extra || !extra.ContainsKey(CredentialIdExtra)) return null;
        if (extra.TryGetValue(ClusterExtra, out var cluster) && cluster.Count == 1) return cluster[0];
        // Core service accounts of the platform carry no cluster claim; IAM service accounts always do.
        return user.Name.StartsWith(ServiceAccountTokens.UserNamePrefix, StringComparison.Ordinal) ? StorageKeys.RootCluster : null;
    }

    /// <inheritdoc/>
    public async ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (tokens.Validate(token) is not { } claims)
        {
            return null;
        }

        if (!await IsLiveAsync(claims.Cluster, ServiceAccountKind.Definition, claims.Namespace, claims.Name, claims.Uid, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        if (claims.BoundSecret is { } secret
            && !await IsLiveAsync(claims.Cluster, SecretKind.Definition, claims.Namespace, secret.Name, secret.Uid, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        Dictionary<string, IReadOnlyList<string>>? extra = claims.Id is { Length: > 0 } id
            ? new Dictionary<string, IReadOnlyList<string>> { [CredentialIdExtra] = ["JTI=" + id] }
            : null;
        if (claims.Cluster != StorageKeys.RootCluster)
        {
            // The dispatcher accepts the account only in its own control plane.
            extra ??= [];
            extra[ClusterExtra] = [claims.Cluster];
        }
        return new UserInfo(
            claims.UserName,
            claims.Uid,
            [ServiceAccountTokens.AllServiceAccountsGroup, ServiceAccountTokens.AllServiceAccountsGroup + ":" + claims.Namespace, WellKnownGroups.SystemAuthenticated],
            extra);
    }

    private async ValueTask<bool> IsLiveAsync(string cluster, ResourceDefinition definition, string ns, string name, string uid, CancellationToken cancellationToken)
    {
        var key = StorageKeys.ObjectKey(cluster, definition, ns, name);
        if (await store.Storage.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return false;
        }

        var obj = ObjectEncoding.Decode(stored.Value);
        return ObjectFields.MetaString(obj, "uid") == uid && ObjectFields.MetaString(obj, "deletionTimestamp") is null;
    }
}

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

    /// <inheritdoc/>
    public async ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (tokens.Validate(token) is not { } claims)
        {
            return null;
        }

        if (!await IsLiveAsync(ServiceAccountKind.Definition, claims.Namespace, claims.Name, claims.Uid, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        if (claims.BoundSecret is { } secret
            && !await IsLiveAsync(SecretKind.Definition, claims.Namespace, secret.Name, secret.Uid, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        IReadOnlyDictionary<string, IReadOnlyList<string>>? extra = claims.Id is { Length: > 0 } id
            ? new Dictionary<string, IReadOnlyList<string>> { [CredentialIdExtra] = ["JTI=" + id] }
            : null;
        return new UserInfo(
            claims.UserName,
            claims.Uid,
            [ServiceAccountTokens.AllServiceAccountsGroup, ServiceAccountTokens.AllServiceAccountsGroup + ":" + claims.Namespace, WellKnownGroups.SystemAuthenticated],
            extra);
    }

    private async ValueTask<bool> IsLiveAsync(ResourceDefinition definition, string ns, string name, string uid, CancellationToken cancellationToken)
    {
        var key = StorageKeys.ObjectKey(StorageKeys.RootCluster, definition, ns, name);
        if (await store.Storage.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return false;
        }

        var obj = ObjectEncoding.Decode(stored.Value);
        return ObjectFields.MetaString(obj, "uid") == uid && ObjectFields.MetaString(obj, "deletionTimestamp") is null;
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Datum.Server.Security;

/// <summary>Accepts the cluster's static admin bearer token.</summary>
internal sealed class AdminTokenAuthenticator : ITokenAuthenticator
{
    private static readonly UserInfo Admin = new(
        "admin", null, [WellKnownGroups.SystemMasters, WellKnownGroups.SystemAuthenticated]);

    // Comparing hashes keeps the comparison fixed-length, so neither content nor length leaks through timing.
    private readonly byte[] _expectedHash;

    /// <summary>Creates an authenticator for <paramref name="adminToken"/>.</summary>
    public AdminTokenAuthenticator(string adminToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        _expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(adminToken));
    }

    /// <inheritdoc/>
    public ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken cancellationToken)
    {
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return ValueTask.FromResult(CryptographicOperations.FixedTimeEquals(presentedHash, _expectedHash) ? Admin : null);
    }
}

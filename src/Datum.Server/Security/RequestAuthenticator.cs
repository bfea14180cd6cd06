using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Security;

/// <summary>
/// Authenticates API requests like kube-apiserver: a bearer token if one is presented (and then only the token
/// counts: a bad token is rejected rather than falling back to the certificate), else a TLS client certificate
/// issued by the cluster CA. Anything else is unauthenticated and the caller answers 401.
/// </summary>
internal sealed class RequestAuthenticator
{
    private readonly ClusterCredentials _credentials;
    private readonly ITokenAuthenticator[] _tokenAuthenticators;

    // Keyed by the connection's certificate object, so each connection verifies its chain once, not per request;
    // weak keys let entries vanish with the connection.
    private readonly ConditionalWeakTable<X509Certificate2, UserInfo> _certificateUsers = new();

    /// <summary>
    /// Creates an authenticator that tries <paramref name="tokenAuthenticators"/> in order, then the admin token, and
    /// accepts client certificates issued by <paramref name="credentials"/>' CA.
    /// </summary>
    public RequestAuthenticator(ClusterCredentials credentials, IEnumerable<ITokenAuthenticator> tokenAuthenticators)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(tokenAuthenticators);
        _credentials = credentials;
        // The admin token last: checking it hashes the presented token (a fixed-time comparison), which every user and
        // service-account request would otherwise pay; their tokens are recognised (or refused) without hashing.
        _tokenAuthenticators = [.. tokenAuthenticators, new AdminTokenAuthenticator(credentials.AdminToken)];
    }

    /// <summary>Authenticates the request in <paramref name="context"/>.</summary>
    public async ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);

        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count > 1)
        {
            return AuthenticationResult.Rejected("multiple Authorization headers");
        }

        if (authorization.Count == 1 && TryGetBearerToken(authorization[0], out var token))
        {
            if (token.Length == 0)
            {
                return AuthenticationResult.Rejected("empty bearer token");
            }

            foreach (var authenticator in _tokenAuthenticators)
            {
                if (await authenticator.AuthenticateTokenAsync(token, cancellationToken) is { } user)
                {
                    return AuthenticationResult.Success(user);
                }
            }

            return AuthenticationResult.Rejected("invalid bearer token");
        }

        var certificate = context.Connection.ClientCertificate;
        return certificate is null ? AuthenticationResult.NoCredentials : AuthenticateCertificate(certificate);
    }

    private AuthenticationResult AuthenticateCertificate(X509Certificate2 certificate)
    {
        // The cache only skips the chain build; expiry during a long-lived connection is still honoured.
        var stillValid = new DateTimeOffset(certificate.NotAfter) > _credentials.Time.GetUtcNow();
        if (stillValid && _certificateUsers.TryGetValue(certificate, out var cached))
        {
            return AuthenticationResult.Success(cached);
        }

        // Kestrel's handshake callback already checked this when configured by KestrelSecurity; checking again
        // keeps the authenticator correct whatever transport configuration it is composed with.
        if (!_credentials.IsIssuedByCluster(certificate))
        {
            return AuthenticationResult.Rejected("client certificate not issued by the cluster CA, or expired");
        }

        var (commonName, organizations) = CertificateFactory.ReadSubject(certificate);
        if (string.IsNullOrEmpty(commonName))
        {
            return AuthenticationResult.Rejected("client certificate has no common name");
        }

        var groups = organizations.Distinct(StringComparer.Ordinal).ToList();
        if (!groups.Contains(WellKnownGroups.SystemAuthenticated))
        {
            groups.Add(WellKnownGroups.SystemAuthenticated);
        }

        var user = new UserInfo(commonName, null, groups);
        _certificateUsers.AddOrUpdate(certificate, user);
        return AuthenticationResult.Success(user);
    }

    /// <summary>
    /// Mirrors Kubernetes' bearer-token parsing: a scheme other than "Bearer" is not a token (so it falls through),
    /// and surrounding whitespace is ignored.
    /// </summary>
    private static bool TryGetBearerToken(string? header, out string token)
    {
        token = string.Empty;
        var value = header.AsSpan().Trim();
        var space = value.IndexOfAny(' ', '\t');
        var scheme = space < 0 ? value : value[..space];
        if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        token = space < 0 ? string.Empty : value[(space + 1)..].Trim().ToString();
        return true;
    }
}

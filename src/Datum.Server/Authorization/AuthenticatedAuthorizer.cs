using Datum.Server.Security;

namespace Datum.Server.Authorization;

/// <summary>Until IAM lands: every authenticated user may do everything.</summary>
public sealed class AuthenticatedAuthorizer : IAuthorizer
{
    /// <inheritdoc />
    public ValueTask<AuthorizationDecision> AuthorizeAsync(UserInfo user, AuthorizationAttributes attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(user.Groups.Contains("system:authenticated") || user.Groups.Contains("system:masters")
            ? AuthorizationDecision.Allow("authenticated users may do everything until IAM policies are enabled")
            : AuthorizationDecision.Deny("not authenticated"));
}

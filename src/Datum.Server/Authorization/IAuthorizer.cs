using Datum.Server.Security;

namespace Datum.Server.Authorization;

/// <summary>What a request wants to do, in Kubernetes' authorization vocabulary.</summary>
public sealed record AuthorizationAttributes(
    string Verb,
    string Group,
    string Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    string? NonResourcePath = null);

/// <summary>The decision of an authorizer.</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason)
{
    /// <summary>An allow with a reason.</summary>
    public static AuthorizationDecision Allow(string reason) => new(true, reason);

    /// <summary>A deny with a reason.</summary>
    public static AuthorizationDecision Deny(string reason) => new(false, reason);
}

/// <summary>Decides whether a user may do something. The IAM service plugs its policy engine in here.</summary>
public interface IAuthorizer
{
    /// <summary>Decides one request.</summary>
    ValueTask<AuthorizationDecision> AuthorizeAsync(UserInfo user, AuthorizationAttributes attributes, CancellationToken cancellationToken);
}

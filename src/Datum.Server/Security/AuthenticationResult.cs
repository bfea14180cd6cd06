using System.Diagnostics.CodeAnalysis;

namespace Datum.Server.Security;

/// <summary>The result of authenticating one request: a user, or why there is none.</summary>
internal sealed class AuthenticationResult
{
    /// <summary>The shared result for requests without credentials.</summary>
    public static readonly AuthenticationResult NoCredentials = new(AuthenticationOutcome.NoCredentials, null, "no credentials provided");

    private AuthenticationResult(AuthenticationOutcome outcome, UserInfo? user, string? failureReason)
    {
        Outcome = outcome;
        User = user;
        FailureReason = failureReason;
    }

    /// <summary>How authentication ended.</summary>
    public AuthenticationOutcome Outcome { get; }

    /// <summary>The authenticated user, when <see cref="IsAuthenticated"/>.</summary>
    public UserInfo? User { get; }

    /// <summary>Why authentication failed (for logs, never echoed with secrets).</summary>
    public string? FailureReason { get; }

    /// <summary>True when <see cref="User"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(User))]
    public bool IsAuthenticated => Outcome == AuthenticationOutcome.Authenticated;

    /// <summary>An accepted request.</summary>
    public static AuthenticationResult Success(UserInfo user) =>
        new(AuthenticationOutcome.Authenticated, user ?? throw new ArgumentNullException(nameof(user)), null);

    /// <summary>A request whose credentials were rejected.</summary>
    public static AuthenticationResult Rejected(string reason) => new(AuthenticationOutcome.Rejected, null, reason);
}

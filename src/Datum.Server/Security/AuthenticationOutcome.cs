namespace Datum.Server.Security;

/// <summary>How a request's authentication ended.</summary>
internal enum AuthenticationOutcome
{
    /// <summary>Credentials were presented and accepted.</summary>
    Authenticated,

    /// <summary>No credentials were presented.</summary>
    NoCredentials,

    /// <summary>Credentials were presented and rejected.</summary>
    Rejected,
}

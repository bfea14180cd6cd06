namespace Datum.Server.Security;

/// <summary>Validates bearer tokens (the admin token today, service-account JWTs next).</summary>
internal interface ITokenAuthenticator
{
    /// <summary>Returns the user the token identifies, or <c>null</c> when this authenticator does not accept it.</summary>
    ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken cancellationToken);
}

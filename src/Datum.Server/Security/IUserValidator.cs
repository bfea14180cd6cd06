namespace Datum.Server.Security;

/// <summary>
/// A service's say on an authenticated user before anything else happens (IAM: a deactivated User or an Inactive
/// service account is refused although its token still verifies). The server asks every registered validator, in
/// order, for every request not made by <c>system:masters</c>.
/// </summary>
public interface IUserValidator
{
    /// <summary>
    /// The user to continue as (the same, or completed, e.g. with a uid), or throws
    /// <see cref="Datum.Machinery.Api.ApiException"/> 401 with a reason the caller can act on. Runs on every request:
    /// it must answer from memory.
    /// </summary>
    UserInfo Validate(UserInfo user);
}

using Datum.Iam.Apis.V1Alpha1;
using Datum.Machinery.Api;
using Datum.Server.Security;

namespace Datum.Iam.Authorization;

/// <summary>
/// Refuses credentials IAM knows to be dead although they still verify: tokens of an IAM ServiceAccount that does
/// not exist or is Inactive, and every credential of a User whose <c>status.state</c> is Inactive (a UserDeactivation
/// names it). A live service account's user gets the account's uid, so bindings can name it by uid. Answers from the
/// <see cref="PolicyGraph"/>, like the authorizer.
/// </summary>
internal sealed class IamUserValidator(PolicyGraph graph) : IUserValidator
{
    /// <inheritdoc />
    public UserInfo Validate(UserInfo user)
    {
        if (user.Extra is { } extra && extra.TryGetValue(UserTokens.ServiceAccountExtra, out var account) && account.Count == 1)
        {
            var cluster = extra.TryGetValue(UserTokens.ClusterExtra, out var c) && c.Count == 1 ? c[0] : "root";
            if (graph.ServiceAccountOf(cluster, account[0]) is not { } sa)
            {
                throw ApiException.Unauthorized($"service account \"{account[0]}\" does not exist in control plane \"{cluster}\"; its tokens are not accepted");
            }
            if (sa.State == ServiceAccount.Inactive)
            {
                throw ApiException.Unauthorized($"service account \"{sa.Email}\" is Inactive: its tokens are refused until spec.state is Active again");
            }
            return user.Uid == sa.Uid ? user : user with { Uid = sa.Uid };
        }
        if (graph.IsUserInactive(user.Name))
        {
            throw ApiException.Unauthorized($"user \"{user.Name}\" is deactivated (status.state Inactive): its credentials are refused until the UserDeactivation is deleted");
        }
        return user;
    }
}

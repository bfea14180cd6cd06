using Datum.Machinery.Api;
using Datum.Server.Authorization;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Security;

/// <summary>
/// Kubernetes user impersonation (<c>kubectl --as/--as-group/--as-uid</c>): the <c>Impersonate-User</c>,
/// <c>Impersonate-Group</c> (repeatable), <c>Impersonate-Uid</c> and <c>Impersonate-Extra-{key}</c> headers.
/// Every requested attribute is authorized as verb <c>impersonate</c> on <c>users</c> (or <c>serviceaccounts</c>
/// in the account's namespace for <c>system:serviceaccount:NS:NAME</c>), <c>groups</c>,
/// <c>uids.authentication.k8s.io</c> and <c>userextras.authentication.k8s.io/{key}</c>; the first denial is a 403.
/// The request then runs as the impersonated user with exactly the groups asked for plus <c>system:authenticated</c>
/// (and the service-account groups when impersonating a service account without naming groups).
/// </summary>
internal static class Impersonation
{
    /// <summary>The header naming the user to act as.</summary>
    public const string UserHeader = "Impersonate-User";

    /// <summary>The header naming a group (repeatable).</summary>
    public const string GroupHeader = "Impersonate-Group";

    /// <summary>The header naming the uid.</summary>
    public const string UidHeader = "Impersonate-Uid";

    /// <summary>Prefix of the headers carrying extra attributes.</summary>
    public const string ExtraHeaderPrefix = "Impersonate-Extra-";

    private const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>
    /// Returns the user the request acts as: <paramref name="caller"/> without impersonation headers, else the
    /// impersonated user once <paramref name="authorizer"/> allowed each attribute. 400 when groups, uid or extras
    /// come without a user; 403 with Kubernetes' message when an attribute is not allowed.
    /// </summary>
    public static async ValueTask<UserInfo> ApplyAsync(HttpRequest request, UserInfo caller, IAuthorizer authorizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(authorizer);

        var headers = request.Headers;
        var users = Values(headers[UserHeader]);
        var groups = Values(headers[GroupHeader]);
        var uids = Values(headers[UidHeader]);
        var extra = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (header, values) in headers)
        {
            if (header.Length > ExtraHeaderPrefix.Length && header.StartsWith(ExtraHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                // Kubernetes: the key is the percent-decoded, lower-cased rest of the header name.
                var key = Uri.UnescapeDataString(header[ExtraHeaderPrefix.Length..]).ToLowerInvariant();
                if (!extra.TryGetValue(key, out var list))
                {
                    extra[key] = list = [];
                }

                list.AddRange(Values(values));
            }
        }

        if (users.Count == 0 && groups.Count == 0 && uids.Count == 0 && extra.Count == 0)
        {
            return caller;
        }

        if (users.Count == 0)
        {
            var requested = groups.Select(g => $"group {g}").Concat(uids.Select(u => $"uid {u}")).Concat(extra.Keys.Select(k => $"extra {k}"));
            throw ApiException.BadRequest($"requested [{string.Join(" ", requested)}] without impersonating a user");
        }

        if (users.Count > 1)
        {
            throw ApiException.BadRequest($"only one {UserHeader} header may be given");
        }

        if (uids.Count > 1)
        {
            throw ApiException.BadRequest($"only one {UidHeader} header may be given");
        }

        var userName = users[0];
        var resultGroups = new List<string>();
        if (TrySplitServiceAccount(userName, out var saNamespace, out var saName))
        {
            await RequireAsync(authorizer, caller, new AuthorizationAttributes("impersonate", "", "serviceaccounts", null, saNamespace, saName), ct).ConfigureAwait(false);
            if (groups.Count == 0)
            {
                resultGroups.Add(ServiceAccountTokens.AllServiceAccountsGroup);
                resultGroups.Add(ServiceAccountTokens.AllServiceAccountsGroup + ":" + saNamespace);
            }
        }
        else
        {
            await RequireAsync(authorizer, caller, new AuthorizationAttributes("impersonate", "", "users", null, null, userName), ct).ConfigureAwait(false);
        }

        foreach (var group in groups)
        {
            await RequireAsync(authorizer, caller, new AuthorizationAttributes("impersonate", "", "groups", null, null, group), ct).ConfigureAwait(false);
        }

        foreach (var (key, values) in extra)
        {
            foreach (var value in values)
            {
                await RequireAsync(authorizer, caller, new AuthorizationAttributes("impersonate", AuthenticationGroup, "userextras", key, null, value), ct).ConfigureAwait(false);
            }
        }

        string? uid = null;
        if (uids.Count == 1)
        {
            uid = uids[0];
            await RequireAsync(authorizer, caller, new AuthorizationAttributes("impersonate", AuthenticationGroup, "uids", null, null, uid), ct).ConfigureAwait(false);
        }

        foreach (var group in groups)
        {
            if (!resultGroups.Contains(group))
            {
                resultGroups.Add(group);
            }
        }

        if (userName != "system:anonymous" && !resultGroups.Contains(WellKnownGroups.SystemAuthenticated))
        {
            resultGroups.Add(WellKnownGroups.SystemAuthenticated);
        }

        IReadOnlyDictionary<string, IReadOnlyList<string>>? resultExtra = extra.Count == 0
            ? null
            : extra.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)e.Value, StringComparer.Ordinal);
        return new UserInfo(userName, uid, resultGroups, resultExtra);
    }

    private static List<string> Values(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Where(v => v is not null).Select(v => v!.Trim()).Where(v => v.Length > 0).ToList();

    private static bool TrySplitServiceAccount(string userName, out string ns, out string name)
    {
        ns = name = "";
        if (!userName.StartsWith(ServiceAccountTokens.UserNamePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = userName[ServiceAccountTokens.UserNamePrefix.Length..].Split(':');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return false;
        }

        (ns, name) = (parts[0], parts[1]);
        return true;
    }

    private static async ValueTask RequireAsync(IAuthorizer authorizer, UserInfo caller, AuthorizationAttributes attributes, CancellationToken ct)
    {
        var decision = await authorizer.AuthorizeAsync(caller, attributes, ct).ConfigureAwait(false);
        if (decision.Allowed)
        {
            return;
        }

        var qualified = attributes.Group.Length == 0 ? attributes.Resource : $"{attributes.Resource}.{attributes.Group}";
        var resource = attributes.Subresource is null ? attributes.Resource : $"{attributes.Resource}/{attributes.Subresource}";
        var where = attributes.Namespace is null ? "at the cluster scope" : $"in the namespace \"{attributes.Namespace}\"";
        var reason = decision.Reason.Length > 0 ? ": " + decision.Reason : "";
        throw new ApiException(403, "Forbidden",
            $"{qualified} \"{attributes.Name}\" is forbidden: User \"{caller.Name}\" cannot impersonate resource \"{resource}\" in API group \"{attributes.Group}\" {where}{reason}")
        {
            DetailName = attributes.Name,
            DetailGroup = attributes.Group,
            DetailKind = attributes.Resource,
        };
    }
}

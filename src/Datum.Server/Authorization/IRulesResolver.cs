using Datum.Server.Security;

namespace Datum.Server.Authorization;

/// <summary>One resource rule of a SelfSubjectRulesReview.</summary>
public sealed record ResourceRule(IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string>? ResourceNames = null);

/// <summary>One non-resource rule of a SelfSubjectRulesReview.</summary>
public sealed record NonResourceRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> NonResourceUrls);

/// <summary>What a user may do in a namespace (or context), as <c>kubectl auth can-i --list</c> shows it.</summary>
public sealed record ResourceRules(IReadOnlyList<ResourceRule> Resource, IReadOnlyList<NonResourceRule> NonResource, bool Incomplete)
{
    /// <summary>Everything.</summary>
    public static ResourceRules Everything { get; } = new([new(["*"], ["*"], ["*"])], [new(["*"], ["*"])], false);
}

/// <summary>An authorizer that can list a user's rules (SelfSubjectRulesReview).</summary>
public interface IRulesResolver
{
    /// <summary>The rules of <paramref name="user"/> in <paramref name="ns"/>.</summary>
    ValueTask<ResourceRules> RulesForAsync(UserInfo user, string? ns, CancellationToken cancellationToken);
}

/// <summary>A service that replaces the default authorizer (the IAM module).</summary>
public interface IAuthorizerProvider
{
    /// <summary>Creates the authorizer; <paramref name="catalog"/> is still being filled when this is called.</summary>
    IAuthorizer CreateAuthorizer(Datum.Storage.IRevisionedStore storage, Registry.ResourceCatalog catalog);
}

using Datum.Iam.Apis.V1Alpha1;
using Datum.Server.Authorization;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Server.Tenancy;

namespace Datum.Iam.Authorization;

/// <summary>Where a request runs: its storage cluster and the chain of parents (Project, then Organization).</summary>
internal sealed record RequestContext(string Cluster, IReadOnlyList<(string Kind, string Name)> Ancestors);

/// <summary>
/// The IAM authorizer: <c>system:masters</c> may do everything; everyone else needs a permission
/// <c>{service}/{plural}.{verb}</c> that the kind's ProtectedResource registers, granted by a PolicyBinding on the
/// object, on its kind (<c>resourceKind</c>), or on an ancestor (object → Project → Organization through
/// <c>parentResources</c>). In an organization's context namespaced requests must target <c>organization-{org}</c>.
/// Decisions read the in-memory <see cref="PolicyGraph"/> only.
/// </summary>
internal sealed class IamAuthorizer(PolicyGraph graph, ResourceCatalog catalog) : IAuthorizer, IRulesResolver
{
    private const string ResourceManagerGroup = "resourcemanager.miloapis.com";
    private Dictionary<(string, string), bool> _namespaced = [];
    private long _catalogGeneration = -1;
    private readonly DecisionCache _decisions = new();

    /// <summary>The graph decisions are read from.</summary>
    public PolicyGraph Graph => graph;

    /// <inheritdoc />
    public ValueTask<AuthorizationDecision> AuthorizeAsync(UserInfo user, AuthorizationAttributes attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Decide(user, attributes));

    /// <summary>Decides one request.</summary>
    public AuthorizationDecision Decide(UserInfo user, AuthorizationAttributes a)
    {
        if (user.Groups.Contains("system:masters")) return AuthorizationDecision.Allow("system:masters may do everything");
        if (!user.Groups.Contains("system:authenticated")) return AuthorizationDecision.Deny("not authenticated");
        if (a.NonResourcePath is not null)
        {
            return a.Verb is "get" or "head" ? AuthorizationDecision.Allow("non-resource reads are open to authenticated users") : AuthorizationDecision.Deny($"non-resource {a.Verb} is not allowed");
        }
        if (a.Verb == "create" && a.Name is null && a.Subresource is null
            && (a.Group, a.Resource) is ("authorization.k8s.io", "selfsubjectaccessreviews") or ("authorization.k8s.io", "selfsubjectrulesreviews") or ("authentication.k8s.io", "selfsubjectreviews"))
        {
            return AuthorizationDecision.Allow("every authenticated user may review itself");
        }
        if (a.Group == IamNames.Group && a.Resource == "users" && a.Verb == "get" && a.Name is not null && (a.Name == user.Name || a.Name == user.Uid))
        {
            return AuthorizationDecision.Allow("users may read themselves");
        }
        return graph.Read((Authorizer: this, User: user, Attributes: a), static (r, s) => s.Authorizer.DecideCached(r, s.User, s.Attributes));
    }

    /// <summary>A resource request decided from the graph without the decision cache (the benchmark's cold path).</summary>
    internal AuthorizationDecision DecideUncached(UserInfo user, AuthorizationAttributes a) =>
        graph.Read((Authorizer: this, User: user, Attributes: a), static (r, s) => s.Authorizer.Decide(r, s.User, s.Attributes));

    private AuthorizationDecision DecideCached(PolicyGraph.Reader r, UserInfo user, AuthorizationAttributes a)
    {
        if (!DecisionCache.Key.TryCreate(user, a, out var key)) return Decide(r, user, a);
        if (_decisions.TryGet(r.Version, catalog.Generation, key, out var cached)) return cached!;
        var decision = Decide(r, user, a);
        _decisions.Add(key, decision);
        return decision;
    }

    private AuthorizationDecision Decide(PolicyGraph.Reader r, UserInfo user, AuthorizationAttributes a)
    {
        var service = IamNames.ServiceOf(a.Group);
        var context = ContextOf(r, user, a.Namespace);
        if (context.Ancestors is [("Organization", var org)] && Namespaced(a.Group, a.Resource) && ContextIsOrganization(user))
        {
            if (a.Namespace is null) return AuthorizationDecision.Deny($"cross-namespace queries not allowed in organization context: {a.Resource} must be requested in namespace \"organization-{org}\"");
            if (a.Namespace != "organization-" + org) return AuthorizationDecision.Deny($"namespace mismatch: in the context of organization \"{org}\" only namespace \"organization-{org}\" may be used, not \"{a.Namespace}\"");
        }
        if (r.ByPlural(a.Group, a.Resource) is not { } kind) return AuthorizationDecision.Deny($"permission '{service}/{a.Resource}.{a.Verb}' not registered: no ProtectedResource for {a.Resource}.{service}");
        var verb = StatusWrite(kind, a) ? UpdateStatusVerb : a.Verb;
        var permission = $"{service}/{a.Resource}.{verb}";
        if (!kind.Permissions.Contains(verb)) return AuthorizationDecision.Deny($"permission '{permission}' not registered");
        var objectScoped = a.Name is not null && a.Verb is not ("list" or "watch" or "create" or "deletecollection");
        foreach (var target in Targets(r, kind, objectScoped ? a.Name : null, a.Namespace, context))
        {
            foreach (var binding in r.BindingsOn(target.Key))
            {
                if (!Matches(r, binding, user)) continue;
                if (r.RoleOf(binding) is { } role && r.EffectivePermissions(role).Contains(permission))
                {
                    return AuthorizationDecision.Allow($"allowed by PolicyBinding \"{binding.Namespace}/{binding.Name}\" (role {binding.RoleNamespace}/{binding.RoleName}) on {target.Description}");
                }
            }
        }
        return AuthorizationDecision.Deny($"missing permission '{permission}' on {Describe(kind, a, context)}");
    }

    /// <summary>The verb of status writes where the kind registers it (Datum's <c>updateStatus</c>).</summary>
    public const string UpdateStatusVerb = "updateStatus";

    /// <summary>
    /// Whether a request is a status write that needs <c>updateStatus</c>: an update or patch of the <c>/status</c>
    /// subresource of a kind whose ProtectedResource registers the verb. Kinds that do not (older or hand-written
    /// ProtectedResources) keep asking for <c>update</c>/<c>patch</c>, as before.
    /// </summary>
    internal static bool StatusWrite(ProtectedKind kind, AuthorizationAttributes a) =>
        a.Subresource == "status" && a.Verb is ("update" or "patch") && kind.Permissions.Contains(UpdateStatusVerb);

    private static string Describe(ProtectedKind kind, AuthorizationAttributes a, RequestContext context) =>
        a.Name is not null ? $"{kind.Kind} \"{a.Name}\"" + (context.Ancestors.Count > 0 ? $" in {context.Ancestors[0].Kind} \"{context.Ancestors[0].Name}\"" : "")
        : context.Ancestors.Count > 0 ? $"{context.Ancestors[0].Kind} \"{context.Ancestors[0].Name}\"" : "the platform";

    private static bool ContextIsOrganization(UserInfo user) =>
        user.Extra is { } extra && extra.TryGetValue(ControlPlane.ParentTypeExtra, out var type) && type is ["Organization"];

    /// <summary>The context of a request from the parent extras the dispatcher sets (or the platform namespace <c>organization-{org}</c>).</summary>
    public RequestContext ContextOf(UserInfo user, string? ns) => graph.Read((User: user, Namespace: ns), static (r, s) => ContextOf(r, s.User, s.Namespace));

    private static RequestContext ContextOf(PolicyGraph.Reader r, UserInfo user, string? ns)
    {
        if (user.Extra is { } extra && extra.TryGetValue(ControlPlane.ParentTypeExtra, out var type) && type.Count == 1
            && extra.TryGetValue(ControlPlane.ParentNameExtra, out var name) && name.Count == 1)
        {
            switch (type[0])
            {
                case "Project":
                    var org = r.OrganizationOf(name[0]);
                    return new RequestContext("project:" + name[0], org is null ? [("Project", name[0])] : [("Project", name[0]), ("Organization", org)]);
                case "Organization":
                    return new RequestContext("org:" + name[0], [("Organization", name[0])]);
            }
        }
        return ns is not null && ns.StartsWith("organization-", StringComparison.Ordinal)
            ? new RequestContext(StorageKeys.RootCluster, [("Organization", ns["organization-".Length..])])
            : new RequestContext(StorageKeys.RootCluster, []);
    }

    /// <summary>A target of bindings: its key, and what it is (described only when a message needs it).</summary>
    internal readonly record struct Target(string Key, string Kind, string? Name)
    {
        /// <summary><c>Kind "name"</c>, or <c>every Kind</c>.</summary>
        public string Description => Name is null ? $"every {Kind}" : $"{Kind} \"{Name}\"";
    }

    /// <summary>The targets whose bindings can grant a permission on (an object of) <paramref name="kind"/>.</summary>
    internal static List<Target> Targets(PolicyGraph.Reader r, ProtectedKind kind, string? name, string? ns, RequestContext context)
    {
        var targets = new List<Target>(6);
        if (name is not null) targets.Add(new(PolicyGraph.ObjectTarget(context.Cluster, kind.Group, kind.Kind, ns, name), kind.Kind, name));
        targets.Add(new(kind.KindKey, kind.Kind, null));
        IReadOnlyList<(string Kind, string Name)> ancestors = (kind.Group, kind.Kind) switch
        {
            (ResourceManagerGroup, "Organization") => [],
            (ResourceManagerGroup, "Project") when name is not null => r.OrganizationOf(name) is { } org ? [("Organization", org)] : [],
            _ => context.Ancestors,
        };
        // An ancestor counts if the kind, or an ancestor already counted, names it as parent.
        List<(string, string)>? inherited = null;
        foreach (var (ancestorKind, ancestorName) in ancestors)
        {
            if (!kind.Parents.Contains((ResourceManagerGroup, ancestorKind)) && inherited?.Contains((ResourceManagerGroup, ancestorKind)) != true) continue;
            var parent = r.ByKind(ResourceManagerGroup, ancestorKind);
            targets.Add(new(PolicyGraph.ObjectTarget(context.Cluster, ResourceManagerGroup, ancestorKind, null, ancestorName), ancestorKind, ancestorName));
            targets.Add(new(parent?.KindKey ?? PolicyGraph.KindTarget(ResourceManagerGroup, ancestorKind), ancestorKind, null));
            if (parent is not null) (inherited ??= []).AddRange(parent.Parents);
        }
        return targets;
    }

    /// <summary>Whether a binding names the user, one of its groups, or its service account.</summary>
    internal static bool Matches(PolicyGraph.Reader r, BindingNode binding, UserInfo user)
    {
        foreach (var s in binding.Subjects)
        {
            switch (s.Kind)
            {
                case "User":
                    if (s.Name == user.Name || (user.Uid is not null && (s.Name == user.Uid || s.Uid == user.Uid))) return true;
                    break;
                case "Group" when string.IsNullOrEmpty(s.Namespace):
                    if (user.Groups.Contains(s.Name) || (s.Name == "system:authenticated-users" && user.Groups.Contains("system:authenticated"))) return true;
                    break;
                case "Group":
                    var key = s.Namespace + "/" + s.Name;
                    if (r.GroupsOf(binding.Cluster, user.Name)?.Contains(key) == true || (user.Uid is not null && r.GroupsOf(binding.Cluster, user.Uid)?.Contains(key) == true)) return true;
                    break;
                case "ServiceAccount" when string.IsNullOrEmpty(s.Namespace):
                    // An IAM ServiceAccount: by email from anywhere, or by name from its own control plane; the uid, when given, must match.
                    if (user.Extra is { } extra && extra.TryGetValue(UserTokens.ServiceAccountExtra, out var account) && account.Count == 1
                        && (s.Name == user.Name || (s.Name == account[0] && ServiceAccountCluster(user) == binding.Cluster))
                        && (string.IsNullOrEmpty(s.Uid) || s.Uid == user.Uid)) return true;
                    break;
                case "ServiceAccount":
                    if (user.Name == $"system:serviceaccount:{s.Namespace}:{s.Name}" && ServiceAccountCluster(user) == binding.Cluster) return true;
                    break;
            }
        }
        return false;
    }

    private static string ServiceAccountCluster(UserInfo user) =>
        user.Extra is { } extra && extra.TryGetValue(UserTokens.ClusterExtra, out var c) && c.Count == 1 ? c[0] : StorageKeys.RootCluster;

    /// <summary>The permissions the user holds on a target and its ancestors (for escalation checks and rules reviews).</summary>
    internal HashSet<string> PermissionsOn(PolicyGraph.Reader r, UserInfo user, IEnumerable<string> targets)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            foreach (var binding in r.BindingsOn(target))
            {
                if (Matches(r, binding, user) && r.RoleOf(binding) is { } role) held.UnionWith(r.EffectivePermissions(role));
            }
        }
        return held;
    }

    /// <inheritdoc />
    public ValueTask<ResourceRules> RulesForAsync(UserInfo user, string? ns, CancellationToken cancellationToken)
    {
        if (user.Groups.Contains("system:masters")) return ValueTask.FromResult(ResourceRules.Everything);
        var context = ContextOf(user, ns);
        var held = graph.Read(r =>
        {
            var targets = new List<string>();
            foreach (var (kind, name) in context.Ancestors)
            {
                targets.Add(PolicyGraph.ObjectTarget(context.Cluster, ResourceManagerGroup, kind, null, name));
                targets.Add(PolicyGraph.KindTarget(ResourceManagerGroup, kind));
            }
            return PermissionsOn(r, user, targets);
        });
        var rules = new List<ResourceRule>
        {
            new(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
            new(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
        };
        foreach (var byResource in held.Select(Parse).OfType<(string Group, string Resource, string Verb)>().GroupBy(p => (p.Group, p.Resource)).OrderBy(g => g.Key))
        {
            rules.Add(new ResourceRule([byResource.Key.Group], [byResource.Key.Resource], byResource.Select(p => p.Verb).Order(StringComparer.Ordinal).ToList()));
        }
        return ValueTask.FromResult(new ResourceRules(rules, [new NonResourceRule(["*"], ["get"])], Incomplete: false));
    }

    private static (string Group, string Resource, string Verb)? Parse(string permission)
    {
        var slash = permission.IndexOf('/', StringComparison.Ordinal);
        var dot = permission.LastIndexOf('.');
        if (slash <= 0 || dot <= slash) return null;
        return (IamNames.GroupOf(permission[..slash]), permission[(slash + 1)..dot], permission[(dot + 1)..]);
    }

    private bool Namespaced(string group, string plural)
    {
        if (_catalogGeneration != catalog.Generation)
        {
            var map = new Dictionary<(string, string), bool>();
            foreach (var d in catalog.All()) map[(d.Group, d.Plural)] = d.Namespaced;
            _namespaced = map;
            _catalogGeneration = catalog.Generation;
        }
        return _namespaced.GetValueOrDefault((group, plural));
    }
}

using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Machinery.Objects;
using Datum.Server.Registry;

namespace Datum.Iam.Authorization;

/// <summary>A kind registered with IAM (from a ProtectedResource).</summary>
internal sealed record ProtectedKind(string Service, string Group, string Kind, string Plural, FrozenSet<string> Permissions, IReadOnlyList<(string Group, string Kind)> Parents)
{
    /// <summary>The target key of every object of the kind (kept, as every decision asks for it).</summary>
    public string KindKey { get; } = PolicyGraph.KindTarget(Group, Kind);
}

/// <summary>A role as stored: its own permissions and the roles it inherits (namespace defaulted).</summary>
internal sealed record RoleNode(string Cluster, string Namespace, string Name, IReadOnlyList<string> Included, IReadOnlyList<(string Namespace, string Name)> Inherited);

/// <summary>A subject of a binding.</summary>
internal sealed record BindingSubject(string Kind, string Name, string? Namespace, string? Uid);

/// <summary>A policy binding as the authorizer needs it.</summary>
internal sealed record BindingNode(string Key, string Cluster, string Namespace, string Name, string RoleNamespace, string RoleName, IReadOnlyList<BindingSubject> Subjects, string Target);

/// <summary>An IAM service account as authentication needs it.</summary>
internal sealed record ServiceAccountNode(string Cluster, string Name, string Uid, string State, string Email);

/// <summary>
/// The authorizer's in-memory picture of IAM: protected resources, roles (with flattened permissions, cached),
/// bindings indexed by target, group memberships and which organization owns each project. Fed from storage events
/// (<see cref="Apply"/>); read by <see cref="IamAuthorizer"/> under one lock.
/// </summary>
internal sealed class PolicyGraph
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Group, string Plural)> _resourceKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Plural), ProtectedKind> _byPlural = [];
    private readonly Dictionary<(string Group, string Kind), ProtectedKind> _byKind = [];
    private readonly Dictionary<(string Cluster, string Namespace, string Name), RoleNode> _roles = [];
    private readonly Dictionary<(string Cluster, string Namespace, string Name), FrozenSet<string>?> _effective = [];
    private readonly Dictionary<string, BindingNode> _bindings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<BindingNode>> _byTarget = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupMember> _groupMemberships = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Cluster, string User), HashSet<string>> _userGroups = [];
    private readonly Dictionary<string, string> _projectOrganization = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Cluster, string Name), ServiceAccountNode> _serviceAccounts = [];
    private readonly HashSet<string> _inactiveUsers = new(StringComparer.Ordinal);

    private sealed record GroupMember(string Cluster, string User, string Group);

    /// <summary>Increments on every change (for tests and rule caches).</summary>
    public long Version { get; private set; }

    /// <summary>The target key of one object.</summary>
    public static string ObjectTarget(string cluster, string group, string kind, string? ns, string name) =>
        IsPlatformKind(group, kind) ? $"o|root|{group}|{kind}||{name}" : $"o|{cluster}|{group}|{kind}|{ns}|{name}";

    /// <summary>The target key of every object of a kind.</summary>
    public static string KindTarget(string group, string kind) => $"k|{group}|{kind}";

    /// <summary>Organizations and projects live in the platform whatever context names them.</summary>
    public static bool IsPlatformKind(string group, string kind) => group == "resourcemanager.miloapis.com" && kind is "Organization" or "Project";

    /// <summary>Applies one stored object (or its deletion) of a kind IAM watches.</summary>
    public void Apply(string key, JsonObject? obj)
    {
        var parts = key.Split('/');
        // /registry/{cluster}/{group}/{resource}/[ns/]name
        if (parts.Length < 6) return;
        var cluster = parts[2];
        var group = parts[3];
        var resource = parts[4];
        lock (_lock)
        {
            Version++;
            switch (group, resource)
            {
                case (IamNames.Group, "protectedresources"): ApplyProtectedResource(key, obj); break;
                case (IamNames.Group, "roles"): ApplyRole(cluster, parts[5], parts[^1], obj); break;
                case (IamNames.Group, "policybindings"): ApplyBinding(key, cluster, parts[5], parts[^1], obj); break;
                case (IamNames.Group, "groupmemberships"): ApplyGroupMembership(key, cluster, obj); break;
                case (IamNames.Group, "serviceaccounts"):
                    if (obj is null) _serviceAccounts.Remove((cluster, parts[^1]));
                    else _serviceAccounts[(cluster, parts[^1])] = new ServiceAccountNode(cluster, parts[^1], ObjectFields.MetaString(obj, "uid") ?? "",
                        ServiceAccount.StateOf(obj), ObjectFields.StringAt(obj, "status.email") ?? ServiceAccount.EmailOf(cluster, parts[^1]));
                    break;
                case (IamNames.Group, "users") when cluster == "root":
                    if (obj is not null && ObjectFields.StringAt(obj, "status.state") == ServiceAccount.Inactive) _inactiveUsers.Add(parts[^1]);
                    else _inactiveUsers.Remove(parts[^1]);
                    break;
                case ("resourcemanager.miloapis.com", "projects") when cluster == "root":
                    var org = obj is null ? null : ObjectFields.StringAt(obj, "spec.ownerRef.name");
                    if (org is null) _projectOrganization.Remove(parts[^1]);
                    else _projectOrganization[parts[^1]] = org;
                    break;
            }
        }
    }

    private void ApplyProtectedResource(string key, JsonObject? obj)
    {
        if (_resourceKeys.Remove(key, out var old) && _byPlural.Remove(old, out var oldKind)) _byKind.Remove((oldKind.Group, oldKind.Kind));
        if (obj is null) return;
        var service = ObjectFields.StringAt(obj, "spec.serviceRef.name") ?? "";
        var kind = new ProtectedKind(service, IamNames.GroupOf(service), ObjectFields.StringAt(obj, "spec.kind") ?? "", ObjectFields.StringAt(obj, "spec.plural") ?? "",
            Strings(obj["spec"]?["permissions"]).ToFrozenSet(StringComparer.Ordinal),
            (obj["spec"]?["parentResources"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(p => (p["apiGroup"]?.ToString() ?? "", p["kind"]?.ToString() ?? "")).ToList());
        _resourceKeys[key] = (kind.Group, kind.Plural);
        _byPlural[(kind.Group, kind.Plural)] = kind;
        _byKind[(kind.Group, kind.Kind)] = kind;
    }

    private void ApplyRole(string cluster, string ns, string name, JsonObject? obj)
    {
        _effective.Clear();
        if (obj is null)
        {
            _roles.Remove((cluster, ns, name));
            return;
        }
        _roles[(cluster, ns, name)] = new RoleNode(cluster, ns, name, Strings(obj["spec"]?["includedPermissions"]).ToList(),
            (obj["spec"]?["inheritedRoles"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(r => (r["namespace"]?.ToString() is { Length: > 0 } n ? n : ns, r["name"]?.ToString() ?? "")).ToList());
    }

    private void ApplyBinding(string key, string cluster, string ns, string name, JsonObject? obj)
    {
        if (_bindings.Remove(key, out var old) && _byTarget.TryGetValue(old.Target, out var list))
        {
            list.Remove(old);
            if (list.Count == 0) _byTarget.Remove(old.Target);
        }
        if (obj is null || ObjectFields.MetaString(obj, "deletionTimestamp") is not null) return;
        var spec = obj["spec"] as JsonObject;
        var selector = spec?["resourceSelector"] as JsonObject;
        string target;
        if (selector?["resourceRef"] is JsonObject r)
        {
            target = ObjectTarget(cluster, r["apiGroup"]?.ToString() ?? "", r["kind"]?.ToString() ?? "", r["namespace"]?.ToString(), r["name"]?.ToString() ?? "");
        }
        else if (selector?["resourceKind"] is JsonObject k)
        {
            target = KindTarget(k["apiGroup"]?.ToString() ?? "", k["kind"]?.ToString() ?? "");
        }
        else return;
        var roleRef = spec?["roleRef"] as JsonObject;
        var binding = new BindingNode(key, cluster, ns, name, roleRef?["namespace"]?.ToString() is { Length: > 0 } rn ? rn : ns, roleRef?["name"]?.ToString() ?? "",
            (spec?["subjects"] as JsonArray ?? []).OfType<JsonObject>().Select(s => new BindingSubject(
                s["kind"]?.ToString() ?? "", s["name"]?.ToString() ?? "", s["namespace"]?.ToString(), s["uid"]?.ToString())).ToList(),
            target);
        _bindings[key] = binding;
        if (!_byTarget.TryGetValue(target, out list)) _byTarget[target] = list = [];
        list.Add(binding);
    }

    private void ApplyGroupMembership(string key, string cluster, JsonObject? obj)
    {
        if (_groupMemberships.Remove(key, out var old) && _userGroups.TryGetValue((old.Cluster, old.User), out var groups)) groups.Remove(old.Group);
        if (obj is null) return;
        var user = ObjectFields.StringAt(obj, "spec.userRef.name") ?? "";
        var group = $"{ObjectFields.StringAt(obj, "spec.groupRef.namespace")}/{ObjectFields.StringAt(obj, "spec.groupRef.name")}";
        _groupMemberships[key] = new GroupMember(cluster, user, group);
        if (!_userGroups.TryGetValue((cluster, user), out groups)) _userGroups[(cluster, user)] = groups = new HashSet<string>(StringComparer.Ordinal);
        groups.Add(group);
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(n => n?.ToString()).OfType<string>();

    /// <summary>Forgets everything (before a relist).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Version++;
            _resourceKeys.Clear(); _byPlural.Clear(); _byKind.Clear(); _roles.Clear(); _effective.Clear();
            _bindings.Clear(); _byTarget.Clear(); _groupMemberships.Clear(); _userGroups.Clear(); _projectOrganization.Clear();
            _serviceAccounts.Clear(); _inactiveUsers.Clear();
        }
    }

    /// <summary>Whether IAM keeps a key of this storage path in the graph.</summary>
    public static bool IsWatched(string key)
    {
        var parts = key.Split('/', 6);
        return parts.Length >= 6 && (parts[3] == IamNames.Group ? parts[4] is "protectedresources" or "roles" or "policybindings" or "groupmemberships" or "serviceaccounts"
                || (parts[4] == "users" && parts[2] == "root")
            : parts[3] == "resourcemanager.miloapis.com" && parts[4] == "projects" && parts[2] == "root");
    }

    /// <summary>The IAM service account <paramref name="name"/> of a control plane, or null.</summary>
    public ServiceAccountNode? ServiceAccountOf(string cluster, string name)
    {
        lock (_lock) return _serviceAccounts.GetValueOrDefault((cluster, name));
    }

    /// <summary>Whether the User <paramref name="name"/> has <c>status.state: Inactive</c>.</summary>
    public bool IsUserInactive(string name)
    {
        lock (_lock) return _inactiveUsers.Count > 0 && _inactiveUsers.Contains(name);
    }

    /// <summary>A read view of the graph; valid only inside <see cref="Read{T}"/>.</summary>
    public T Read<T>(Func<Reader, T> read)
    {
        lock (_lock) return read(new Reader(this));
    }

    /// <summary>As <see cref="Read{T}"/>, with the state passed in (a static lambda allocates no closure per decision).</summary>
    public T Read<TState, T>(TState state, Func<Reader, TState, T> read)
    {
        lock (_lock) return read(new Reader(this), state);
    }

    /// <summary>Queries on the graph, used under its lock.</summary>
    public readonly struct Reader(PolicyGraph graph)
    {
        /// <summary>The graph's version (increments on every change).</summary>
        public long Version => graph.Version;

        /// <summary>The protected kind of a REST resource, or null.</summary>
        public ProtectedKind? ByPlural(string group, string plural) => graph._byPlural.GetValueOrDefault((group, plural));

        /// <summary>The protected kind of a kind, or null.</summary>
        public ProtectedKind? ByKind(string group, string kind) => graph._byKind.GetValueOrDefault((group, kind));

        /// <summary>The organization owning a project, or null.</summary>
        public string? OrganizationOf(string project) => graph._projectOrganization.GetValueOrDefault(project);

        /// <summary>The bindings attached to a target.</summary>
        public IReadOnlyList<BindingNode> BindingsOn(string target) => graph._byTarget.TryGetValue(target, out var list) ? list : [];

        /// <summary>The IAM groups (<c>ns/name</c>) a user belongs to in a cluster.</summary>
        public IReadOnlySet<string>? GroupsOf(string cluster, string user) => graph._userGroups.GetValueOrDefault((cluster, user));

        /// <summary>The role a binding refers to (its own cluster first, then the platform), or null when missing.</summary>
        public RoleNode? RoleOf(BindingNode binding) =>
            graph._roles.GetValueOrDefault((binding.Cluster, binding.RoleNamespace, binding.RoleName))
            ?? graph._roles.GetValueOrDefault(("root", binding.RoleNamespace, binding.RoleName));

        /// <summary>The role of a name, or null.</summary>
        public RoleNode? Role(string cluster, string ns, string name) =>
            graph._roles.GetValueOrDefault((cluster, ns, name)) ?? graph._roles.GetValueOrDefault(("root", ns, name));

        /// <summary>Included plus inherited permissions of a role (cycles and missing roles contribute nothing).</summary>
        public FrozenSet<string> EffectivePermissions(RoleNode role)
        {
            var key = (role.Cluster, role.Namespace, role.Name);
            if (graph._effective.TryGetValue(key, out var cached) && cached is not null) return cached;
            var result = new HashSet<string>(StringComparer.Ordinal);
            var seen = new HashSet<(string, string, string)>();
            Collect(role, result, seen);
            var frozen = result.ToFrozenSet(StringComparer.Ordinal);
            graph._effective[key] = frozen;
            return frozen;
        }

        private void Collect(RoleNode role, HashSet<string> into, HashSet<(string, string, string)> seen)
        {
            if (!seen.Add((role.Cluster, role.Namespace, role.Name))) return;
            into.UnionWith(role.Included);
            foreach (var (ns, name) in role.Inherited)
            {
                if (Role(role.Cluster, ns, name) is { } inherited) Collect(inherited, into, seen);
            }
        }

        /// <summary>Every binding (for status controllers and tests).</summary>
        public int BindingCount => graph._bindings.Count;
    }
}

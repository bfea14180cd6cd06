using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Server.Registry;

namespace Datum.Iam.Bootstrap;

/// <summary>
/// The ProtectedResources and roles Datum ships, generated from the kinds served: one ProtectedResource per kind;
/// per service <c>{service}-viewer</c>, <c>-editor</c>, <c>-admin</c> in <c>milo-system</c>; the assignable
/// organization roles <c>viewer</c>, <c>editor</c>, <c>owner</c> in <c>datum-cloud</c> composed from them; and the
/// <c>organization-creator</c> policy (every authenticated user may create organizations, as Datum runs Milo).
/// </summary>
internal static class ShippedPolicy
{
    /// <summary>Verbs every kind registers.</summary>
    public static readonly string[] Verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    /// <summary>
    /// The verbs a kind registers: <see cref="Verbs"/>, <c>updateStatus</c> for kinds with a status subresource (the
    /// authorizer asks for it on status writes), and <c>use</c> where Datum has it (Networks, which Workloads attach).
    /// </summary>
    public static IEnumerable<string> VerbsOf(ResourceDefinition d)
    {
        foreach (var verb in Verbs) yield return verb;
        if (d.HasStatusSubresource) yield return "updateStatus";
        if ((d.Group, d.Plural) == ("networking.datumapis.com", "networks")) yield return "use";
    }

    /// <summary>Read verbs.</summary>
    public static readonly string[] ReadVerbs = ["get", "list", "watch"];

    private const string Rm = "resourcemanager.miloapis.com";

    /// <summary>The kinds IAM protects: every kind served except the self reviews.</summary>
    public static IEnumerable<ResourceDefinition> ProtectedKinds(ResourceCatalog catalog) =>
        catalog.All().Where(d => d.Review is null)
            .GroupBy(d => (d.Group, d.Plural)).Select(g => g.First())
            .OrderBy(d => d.Group, StringComparer.Ordinal).ThenBy(d => d.Plural, StringComparer.Ordinal);

    /// <summary>The parents a kind inherits permissions from.</summary>
    public static IEnumerable<(string Group, string Kind)> ParentsOf(ResourceDefinition d) => (d.Group, d.Kind) switch
    {
        (Rm, "Organization") => [],
        (Rm, "Project") => [(Rm, "Organization")],
        // Platform-wide kinds: only platform administrators (system:masters or resourceKind bindings).
        (IamNames.Group, "User" or "UserPreference" or "UserDeactivation" or "ProtectedResource") or ("apiextensions.k8s.io", _) => [],
        _ => [(Rm, "Project"), (Rm, "Organization")],
    };

    /// <summary>The ProtectedResource of a kind.</summary>
    public static JsonObject ProtectedResourceFor(ResourceDefinition d)
    {
        var service = IamNames.ServiceOf(d.Group);
        var singular = d.SingularName ?? d.Kind.ToLowerInvariant();
        return new JsonObject
        {
            ["apiVersion"] = $"{IamNames.Group}/{IamNames.Version}", ["kind"] = "ProtectedResource",
            ["metadata"] = new JsonObject { ["name"] = $"{service}-{singular}" },
            ["spec"] = new JsonObject
            {
                ["serviceRef"] = new JsonObject { ["name"] = service },
                ["kind"] = d.Kind, ["singular"] = singular, ["plural"] = d.Plural,
                ["permissions"] = Strings(VerbsOf(d)),
                ["parentResources"] = new JsonArray(ParentsOf(d).Select(p => (JsonNode?)new JsonObject { ["apiGroup"] = p.Group, ["kind"] = p.Kind }).ToArray()),
            },
        };
    }

    /// <summary>Every shipped role, by namespace.</summary>
    public static IEnumerable<JsonObject> Roles(ResourceCatalog catalog)
    {
        var kinds = ProtectedKinds(catalog).ToList();
        var services = kinds.GroupBy(d => IamNames.ServiceOf(d.Group)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        foreach (var service in services)
        {
            var plurals = service.Select(d => d.Plural).ToList();
            yield return Role(IamNames.ServiceRolesNamespace, $"{service.Key}-viewer", $"View {service.Key} resources",
                plurals.SelectMany(p => ReadVerbs.Select(v => $"{service.Key}/{p}.{v}")), []);
            yield return Role(IamNames.ServiceRolesNamespace, $"{service.Key}-editor", $"Edit {service.Key} resources",
                service.SelectMany(d => VerbsOf(d).Select(v => $"{service.Key}/{d.Plural}.{v}"))
                    .Where(p => p != $"{Rm}/organizations.delete"), []);
            yield return Role(IamNames.ServiceRolesNamespace, $"{service.Key}-admin", $"Administer {service.Key} resources",
                service.SelectMany(d => VerbsOf(d).Select(v => $"{service.Key}/{d.Plural}.{v}")), []);
        }
        var names = services.Select(s => s.Key).ToList();
        string[] none = [];
        yield return Role(IamNames.OrganizationRolesNamespace, "viewer", "Viewer: read every resource of the organization", none,
            names.Select(s => $"{s}-viewer"), IamNames.ServiceRolesNamespace);
        yield return Role(IamNames.OrganizationRolesNamespace, "editor", "Editor: change every resource of the organization, but not its access policy", none,
            names.Select(s => s == IamNames.Group ? $"{s}-viewer" : $"{s}-editor"), IamNames.ServiceRolesNamespace);
        yield return Role(IamNames.OrganizationRolesNamespace, "owner", "Owner: everything in the organization, including who has access", none,
            names.Select(s => $"{s}-admin"), IamNames.ServiceRolesNamespace);
        yield return Role(IamNames.ServiceRolesNamespace, "resourcemanager.miloapis.com-organization-creator", "Create organizations", [$"{Rm}/organizations.create"], []);
        yield return Role(IamNames.ServiceRolesNamespace, "iam.miloapis.com-userinvitation-acceptor", "Read and answer one's own invitation",
            new[] { "get", "update", "patch" }.Select(v => $"{IamNames.Group}/userinvitations.{v}"), []);
    }

    /// <summary>The shipped bindings (in the platform's <c>milo-system</c>).</summary>
    public static IEnumerable<JsonObject> Bindings()
    {
        yield return new JsonObject
        {
            ["apiVersion"] = $"{IamNames.Group}/{IamNames.Version}", ["kind"] = "PolicyBinding",
            ["metadata"] = new JsonObject { ["name"] = "organization-creator", ["namespace"] = IamNames.ServiceRolesNamespace },
            ["spec"] = new JsonObject
            {
                ["roleRef"] = new JsonObject { ["name"] = "resourcemanager.miloapis.com-organization-creator", ["namespace"] = IamNames.ServiceRolesNamespace },
                ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "Group", ["name"] = "system:authenticated" }),
                ["resourceSelector"] = new JsonObject { ["resourceKind"] = new JsonObject { ["apiGroup"] = Rm, ["kind"] = "Organization" } },
            },
        };
    }

    private static JsonObject Role(string ns, string name, string description, IEnumerable<string> permissions, IEnumerable<string> inherited, string? inheritedNamespace = null)
    {
        var spec = new JsonObject { ["launchStage"] = "Beta" };
        var included = permissions.Distinct().ToList();
        if (included.Count > 0) spec["includedPermissions"] = Strings(included);
        var parents = inherited.ToList();
        if (parents.Count > 0)
        {
            spec["inheritedRoles"] = new JsonArray(parents.Select(p => (JsonNode?)new JsonObject { ["name"] = p, ["namespace"] = inheritedNamespace ?? ns }).ToArray());
        }
        return new JsonObject
        {
            ["apiVersion"] = $"{IamNames.Group}/{IamNames.Version}", ["kind"] = "Role",
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["namespace"] = ns,
                ["annotations"] = new JsonObject { ["kubernetes.io/description"] = description },
                ["labels"] = new JsonObject { ["iam.miloapis.com/shipped"] = "true" },
            },
            ["spec"] = spec,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}

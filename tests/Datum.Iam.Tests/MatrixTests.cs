using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Datum.Iam.Bootstrap;
using Datum.Server.Authorization;
using Datum.Server.Registry;
using Datum.Server.Security;

namespace Datum.Iam.Tests;

/// <summary>
/// The acceptance matrix: 3 organizations × 2 projects; users holding owner, editor or viewer at organization or
/// project level, one group binding and one service account. Every verb on every kind in every context is decided by
/// the authorizer (the function the dispatcher calls) and compared with an independent model; a sample is also
/// exercised over HTTPS. Nothing crosses a tenant.
/// </summary>
public sealed class MatrixTests(IamFixture f) : IClassFixture<IamFixture>
{
    private static readonly string[] Orgs = ["mx-one", "mx-two", "mx-three"];

    private sealed record Grant(string Scope, string Name, string Role);

    private sealed record Principal(string Label, UserInfo User, Grant[] Grants);

    private static string ProjectOf(string org, char which) => $"{org}-{which}";

    [Fact]
    public async Task Every_verb_on_every_kind_in_every_context_is_allowed_exactly_where_the_model_says()
    {
        foreach (var org in Orgs)
        {
            await f.CreateOrganizationAsync(org);
            await f.CreateProjectAsync(org, ProjectOf(org, 'a'));
            await f.CreateProjectAsync(org, ProjectOf(org, 'b'));
        }
        foreach (var u in new[] { "owen", "eddie", "vera", "pete", "olga", "vince", "frank" }) await f.CreateUserAsync(u);
        await f.AddMemberAsync("mx-one", "owen", "owner");
        await f.AddMemberAsync("mx-one", "eddie", "editor");
        await f.AddMemberAsync("mx-one", "vera", "viewer");
        await f.AddMemberAsync("mx-two", "olga", "owner");
        var peteUid = (await f.Admin.GetAsync("/apis/iam.miloapis.com/v1alpha1/users/pete")).Json!["metadata"]!["uid"]!.ToString();
        var vinceUid = (await f.Admin.GetAsync("/apis/iam.miloapis.com/v1alpha1/users/vince")).Json!["metadata"]!["uid"]!.ToString();
        await f.BindOnProjectAsync("mx-one", "mx-one-a", "pete-editor", new JsonObject { ["kind"] = "User", ["name"] = "pete", ["uid"] = peteUid }, "editor");
        await f.BindOnProjectAsync("mx-two", "mx-two-b", "vince-viewer", new JsonObject { ["kind"] = "User", ["name"] = "vince", ["uid"] = vinceUid }, "viewer");

        // A group in organization three, with frank in it, bound as viewer on the organization.
        const string Iam = "/apis/iam.miloapis.com/v1alpha1/namespaces/organization-mx-three";
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(Iam + "/groups", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ops" } })).Status);
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(Iam + "/groupmemberships", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "frank-ops" },
            ["spec"] = new JsonObject { ["userRef"] = new JsonObject { ["name"] = "frank" }, ["groupRef"] = new JsonObject { ["name"] = "ops", ["namespace"] = "organization-mx-three" } },
        })).Status);
        var org3 = await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/organizations/mx-three");
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(Iam + "/policybindings", IamFixture.Binding("ops-viewer",
            new JsonObject { ["kind"] = "Group", ["name"] = "ops", ["namespace"] = "organization-mx-three" }, "viewer",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "mx-three", ["uid"] = org3.Json!["metadata"]!["uid"]!.ToString() }))).Status);

        // A service account in project mx-three-a, bound as editor on that project from inside it.
        var saPath = IamFixture.Project("mx-three-a") + "/api/v1/namespaces/default/serviceaccounts";
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(saPath, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ci" } })).Status);
        var p3a = await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/projects/mx-three-a");
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(IamFixture.Project("mx-three-a") + "/apis/iam.miloapis.com/v1alpha1/namespaces/default/policybindings",
            IamFixture.Binding("ci-editor", new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "ci", ["namespace"] = "default" }, "editor",
                new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Project", ["name"] = "mx-three-a", ["uid"] = p3a.Json!["metadata"]!["uid"]!.ToString() }))).Status);
        var token = await f.Admin.PostAsync(saPath + "/ci/token", new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenRequest", ["spec"] = new JsonObject() });
        Assert.True(token.Status == HttpStatusCode.Created, token.ToString());

        static UserInfo U(string name, params string[] groups) => new(name, name, [.. groups, "system:authenticated"]);
        var sa = new UserInfo("system:serviceaccount:default:ci", "sa-uid", ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
            new Dictionary<string, IReadOnlyList<string>> { ["authentication.datum.miloapis.com/cluster"] = ["project:mx-three-a"] });
        Principal[] principals =
        [
            new("owen: owner of mx-one", U("owen"), [new("Organization", "mx-one", "owner")]),
            new("eddie: editor of mx-one", U("eddie"), [new("Organization", "mx-one", "editor")]),
            new("vera: viewer of mx-one", U("vera"), [new("Organization", "mx-one", "viewer")]),
            new("pete: editor of project mx-one-a", U("pete"), [new("Project", "mx-one-a", "editor")]),
            new("olga: owner of mx-two", U("olga"), [new("Organization", "mx-two", "owner")]),
            new("vince: viewer of project mx-two-b", U("vince"), [new("Project", "mx-two-b", "viewer")]),
            new("frank: viewer of mx-three via group ops", U("frank"), [new("Organization", "mx-three", "viewer")]),
            new("ci: service account, editor of project mx-three-a", sa, [new("Project", "mx-three-a", "editor")]),
            new("mallory: authenticated, no grants", U("mallory"), []),
        ];
        // Wait until the last bindings are in the graph.
        await IamFixture.EventuallyAsync(() => Task.FromResult(
            f.Authorizer.Decide(IamFixture.InContext(principals[6].User, "mx-three", null), new("get", "", "configmaps", null, "organization-mx-three", "x")).Allowed
            && f.Authorizer.Decide(IamFixture.InContext(sa, null, "mx-three-a"), new("create", "", "configmaps", null, "default", null)).Allowed
            && f.Authorizer.Decide(IamFixture.InContext(principals[3].User, null, "mx-one-a"), new("create", "", "configmaps", null, "default", null)).Allowed
            && f.Authorizer.Decide(IamFixture.InContext(principals[5].User, null, "mx-two-b"), new("get", "", "configmaps", null, "default", "x")).Allowed), "bindings");

        var contexts = new List<(string Label, string? Org, string? Project)> { ("platform", null, null) };
        foreach (var org in Orgs)
        {
            contexts.Add(("org " + org, org, null));
            contexts.Add(("project " + ProjectOf(org, 'a'), null, ProjectOf(org, 'a')));
            contexts.Add(("project " + ProjectOf(org, 'b'), null, ProjectOf(org, 'b')));
        }
        var kinds = ShippedPolicy.ProtectedKinds(f.Server.Catalog).ToList();
        var mismatches = new List<string>();
        var decisions = 0;
        var table = new StringBuilder();
        table.AppendLine("| Principal | " + string.Join(" | ", contexts.Select(c => c.Label)) + " |");
        table.AppendLine("|---|" + string.Concat(contexts.Select(_ => "---|")));
        foreach (var p in principals)
        {
            var cells = new List<string>();
            foreach (var (_, org, project) in contexts)
            {
                var user = IamFixture.InContext(p.User, org, project);
                var allowedCount = 0;
                var total = 0;
                foreach (var kind in kinds)
                {
                    foreach (var verb in VerbsOf(kind))
                    {
                        // A status write is an update of the /status subresource, which IAM decides as updateStatus.
                        var status = verb == "updateStatus";
                        var (ns, name) = Target(kind, status ? "update" : verb, org, project);
                        var actual = f.Authorizer.Decide(user, new AuthorizationAttributes(status ? "update" : verb, kind.Group, kind.Plural, status ? "status" : null, ns, name)).Allowed;
                        var expected = Expected(p.Grants, org, project, kind, verb, name);
                        decisions++;
                        total++;
                        if (actual) allowedCount++;
                        if (actual != expected) mismatches.Add($"{p.Label} in {org ?? project ?? "platform"}: {verb} {kind.Plural}.{kind.Group} name={name}: expected {expected}, got {actual}");
                    }
                }
                var cm = Summary(f, user, org, project);
                cells.Add($"{cm} ({allowedCount}/{total})");
            }
            table.AppendLine($"| {p.Label} | " + string.Join(" | ", cells) + " |");
        }
        table.AppendLine();
        var pairs = kinds.Sum(k => VerbsOf(k).Count());
        table.AppendLine($"{decisions} decisions ({principals.Length} principals × {contexts.Count} contexts × {pairs} (kind, verb) pairs: {kinds.Count} kinds × {ShippedPolicy.Verbs.Length} verbs, plus a status update of the {kinds.Count(k => k.HasStatusSubresource)} kinds with a status subresource), {mismatches.Count} differ from the model.");
        if (Environment.GetEnvironmentVariable("DATUM_IAM_MATRIX_OUT") is { Length: > 0 } output) await File.WriteAllTextAsync(output, table.ToString());
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(40)));

        // Over HTTPS, creating a ConfigMap in every project as every user follows the same model.
        foreach (var p in principals.Where(p => !p.User.Name.StartsWith("system:", StringComparison.Ordinal)))
        {
            using var client = f.As(p.User.Name);
            foreach (var org in Orgs)
            {
                foreach (var project in new[] { ProjectOf(org, 'a'), ProjectOf(org, 'b') })
                {
                    var expected = Expected(p.Grants, null, project, kinds.Single(k => k.Plural == "configmaps" && k.Group == ""), "create", null);
                    var r = await client.PostAsync(IamFixture.Project(project) + "/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "m-" } });
                    Assert.True((r.Status == HttpStatusCode.Created) == expected, $"{p.Label} create configmap in {project}: {r}");
                }
            }
        }
        // The service account's token works in its project only.
        using var ci = f.CreateClient(null, token.Json!["status"]!["token"]!.ToString());
        Assert.Equal(HttpStatusCode.Created, (await ci.PostAsync(IamFixture.Project("mx-three-a") + "/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "ci-" } })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync(IamFixture.Project("mx-three-b") + "/api/v1/namespaces/default/configmaps")).Status);
    }

    /// <summary>The verbs asked of a kind: the eight REST verbs, and updateStatus where there is a status subresource.</summary>
    private static IEnumerable<string> VerbsOf(ResourceDefinition kind) =>
        kind.HasStatusSubresource ? [.. ShippedPolicy.Verbs, "updateStatus"] : ShippedPolicy.Verbs;

    private static string Summary(IamFixture f, UserInfo user, string? org, string? project)
    {
        var ns = org is not null ? "organization-" + org : "default";
        bool Can(string verb) => f.Authorizer.Decide(user, new(verb, "", "configmaps", null, ns, verb is "get" or "update" ? "x" : null)).Allowed;
        return Can("create") ? "write" : Can("list") ? "read" : "—";
    }

    private static (string? Namespace, string? Name) Target(ResourceDefinition kind, string verb, string? org, string? project)
    {
        var named = verb is "get" or "update" or "patch" or "delete";
        var ns = kind.Namespaced ? (org is not null ? "organization-" + org : "default") : null;
        string? name = !named ? null : (kind.Group, kind.Kind) switch
        {
            ("resourcemanager.miloapis.com", "Organization") => org ?? (project is not null ? project[..project.LastIndexOf('-')] : "mx-one"),
            ("resourcemanager.miloapis.com", "Project") => project ?? (org is not null ? org + "-a" : "mx-one-a"),
            _ => "x",
        };
        return (ns, name);
    }

    /// <summary>The model: which grants reach a request, and what each role allows.</summary>
    private static bool Expected(Grant[] grants, string? org, string? project, ResourceDefinition kind, string verb, string? name)
    {
        const string Rm = "resourcemanager.miloapis.com";
        if ((kind.Group, kind.Plural, verb) == (Rm, "organizations", "create")) return true; // organization-creator: every authenticated user
        static string OrgOf(string p) => p[..p.LastIndexOf('-')];
        var scopes = new List<(string, string)>();
        if ((kind.Group, kind.Kind) == (Rm, "Organization"))
        {
            if (name is not null) scopes.Add(("Organization", name));
        }
        else if ((kind.Group, kind.Kind) == (Rm, "Project"))
        {
            if (name is not null) { scopes.Add(("Project", name)); scopes.Add(("Organization", OrgOf(name))); }
            else if (org is not null) scopes.Add(("Organization", org));
            else if (project is not null) scopes.Add(("Organization", OrgOf(project)));
        }
        else if (ShippedPolicy.ParentsOf(kind).Any())
        {
            if (project is not null) { scopes.Add(("Project", project)); scopes.Add(("Organization", OrgOf(project))); }
            else if (org is not null) scopes.Add(("Organization", org));
        }
        var service = kind.Group.Length == 0 ? "core.miloapis.com" : kind.Group;
        return grants.Any(g => scopes.Contains((g.Scope, g.Name)) && g.Role switch
        {
            "viewer" => verb is "get" or "list" or "watch",
            "editor" => service == "iam.miloapis.com" ? verb is "get" or "list" or "watch" : !(kind.Plural == "organizations" && verb == "delete"),
            _ => true,
        });
    }
}

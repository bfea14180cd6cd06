using System.Net;
using System.Text.Json.Nodes;

namespace Datum.Iam.Tests;

public sealed class IamTests(IamFixture f) : IClassFixture<IamFixture>
{
    private const string Iam = "/apis/iam.miloapis.com/v1alpha1";

    private static JsonObject UserSubject(string name, string uid) => new() { ["kind"] = "User", ["name"] = name, ["uid"] = uid };

    [Fact]
    public async Task Shipped_roles_and_protected_resources_exist_for_every_kind()
    {
        foreach (var role in new[] { "owner", "editor", "viewer" })
        {
            var r = await f.Admin.GetAsync($"{Iam}/namespaces/datum-cloud/roles/{role}");
            Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        }
        var viewer = await f.Admin.GetAsync($"{Iam}/namespaces/milo-system/roles/core.miloapis.com-viewer");
        Assert.Contains("core.miloapis.com/configmaps.get", viewer.Text);
        var pr = await f.Admin.GetAsync($"{Iam}/protectedresources/core.miloapis.com-configmap");
        Assert.True(pr.Status == HttpStatusCode.OK, pr.ToString());
        Assert.Equal("configmaps", pr.Json!["spec"]!["plural"]!.ToString());
        // The controller flattens inherited roles.
        await IamFixture.EventuallyAsync(async () =>
            (await f.Admin.GetAsync($"{Iam}/namespaces/datum-cloud/roles/owner")).Text.Contains("\"iam.miloapis.com/policybindings.create\"", StringComparison.Ordinal), "owner's effectivePermissions");
    }

    [Fact]
    public async Task A_malformed_permission_in_a_role_is_422()
    {
        var r = await f.Admin.PostAsync($"{Iam}/namespaces/default/roles", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "bad" },
            ["spec"] = new JsonObject { ["launchStage"] = "Beta", ["includedPermissions"] = new JsonArray("configmaps-get") },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Contains("spec.includedPermissions[0]", r.Text);
    }

    [Fact]
    public async Task Binding_selector_must_have_exactly_one_target_and_roleRef_is_immutable()
    {
        var both = IamFixture.Binding("both", new JsonObject { ["kind"] = "Group", ["name"] = "system:authenticated" }, "viewer",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "x", ["uid"] = "1" });
        both["spec"]!["resourceSelector"]!["resourceKind"] = new JsonObject { ["apiGroup"] = "", ["kind"] = "ConfigMap" };
        var r = await f.Admin.PostAsync($"{Iam}/namespaces/default/policybindings", both);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Contains("exactly one of resourceRef or resourceKind", r.Text);

        var ok = IamFixture.Binding("immutable", new JsonObject { ["kind"] = "Group", ["name"] = "system:authenticated" }, "does-not-exist",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "nowhere", ["uid"] = "1" });
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/default/policybindings", ok)).Status);
        var change = await f.Admin.MergePatchAsync($"{Iam}/namespaces/default/policybindings/immutable", new JsonObject { ["spec"] = new JsonObject { ["roleRef"] = new JsonObject { ["name"] = "viewer" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, change.Status);
        Assert.Contains("RoleRef is immutable", change.Text);
        // A binding to a missing role grants nothing and says so.
        await IamFixture.EventuallyAsync(async () =>
            (await f.Admin.GetAsync($"{Iam}/namespaces/default/policybindings/immutable")).Json?["status"]?["conditions"]?.AsArray()
                .Any(c => c?["type"]?.ToString() == "RoleValid" && c["status"]?.ToString() == "False") == true, "RoleValid=False");
    }

    [Fact]
    public async Task Org_roles_apply_through_memberships_and_inherit_into_projects_without_crossing_tenants()
    {
        await f.CreateOrganizationAsync("acme-a");
        await f.CreateOrganizationAsync("acme-b");
        await f.CreateProjectAsync("acme-a", "proj-a-one");
        await f.CreateProjectAsync("acme-b", "proj-b-one");
        await f.CreateUserAsync("olivia");
        await f.CreateUserAsync("victor");
        await f.AddMemberAsync("acme-a", "olivia", "editor");
        await f.AddMemberAsync("acme-a", "victor", "viewer");

        using var editor = f.As("olivia");
        using var viewer = f.As("victor");
        var cm = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "settings" }, ["data"] = new JsonObject { ["a"] = "b" } };
        var created = await editor.PostAsync(IamFixture.Project("proj-a-one") + "/api/v1/namespaces/default/configmaps", cm);
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(IamFixture.Project("proj-a-one") + "/api/v1/namespaces/default/configmaps/settings")).Status);

        var denied = await viewer.PostAsync(IamFixture.Project("proj-a-one") + "/api/v1/namespaces/default/configmaps", cm);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Contains("missing permission 'core.miloapis.com/configmaps.create'", denied.Text);

        // Another tenant: nothing.
        var other = await editor.GetAsync(IamFixture.Project("proj-b-one") + "/api/v1/namespaces/default/configmaps");
        Assert.Equal(HttpStatusCode.Forbidden, other.Status);
        // The membership reports its roles applied.
        await IamFixture.EventuallyAsync(async () =>
            (await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/namespaces/organization-acme-a/organizationmemberships/member-olivia")).Json?["status"]?["conditions"]?.AsArray()
                .Any(c => c?["type"]?.ToString() == "RolesApplied" && c["reason"]?.ToString() == "AllRolesApplied") == true, "RolesApplied");

        // A viewer cannot grant themselves editor.
        var uid = (await f.Admin.GetAsync($"{Iam}/users/victor")).Json!["metadata"]!["uid"]!.ToString();
        var org = await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/organizations/acme-a");
        var grab = await viewer.PostAsync($"{Iam}/namespaces/organization-acme-a/policybindings", IamFixture.Binding("grab", UserSubject("victor", uid), "editor",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "acme-a", ["uid"] = org.Json!["metadata"]!["uid"]!.ToString() }));
        Assert.Equal(HttpStatusCode.Forbidden, grab.Status);

        // Even with the right to create bindings (a custom role), granting editor is an escalation.
        var roleR = await f.Admin.PostAsync($"{Iam}/namespaces/datum-cloud/roles", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "binder" },
            ["spec"] = new JsonObject { ["launchStage"] = "Beta", ["includedPermissions"] = new JsonArray("iam.miloapis.com/policybindings.create"), ["inheritedRoles"] = new JsonArray(new JsonObject { ["name"] = "viewer" }) },
        });
        Assert.Equal(HttpStatusCode.Created, roleR.Status);
        var vUid = uid;
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/organization-acme-a/policybindings", IamFixture.Binding("victor-binder", UserSubject("victor", vUid), "binder",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "acme-a", ["uid"] = org.Json!["metadata"]!["uid"]!.ToString() }))).Status);
        await IamFixture.EventuallyAsync(async () => (await viewer.PostAsync($"{Iam}/namespaces/organization-acme-a/policybindings?dryRun=All",
            IamFixture.Binding("probe", UserSubject("victor", vUid), "viewer",
                new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "acme-a", ["uid"] = org.Json!["metadata"]!["uid"]!.ToString() }))).Status == HttpStatusCode.Created,
            "victor may create bindings");
        var escalate = await viewer.PostAsync($"{Iam}/namespaces/organization-acme-a/policybindings", IamFixture.Binding("grab2", UserSubject("victor", vUid), "editor",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "acme-a", ["uid"] = org.Json!["metadata"]!["uid"]!.ToString() }));
        Assert.Equal(HttpStatusCode.Forbidden, escalate.Status);
        Assert.Contains("privilege escalation", escalate.Text);
        Assert.Contains("is attempting to grant permissions not currently held on Organization \\\"acme-a\\\"", escalate.Text);
    }

    [Fact]
    public async Task Reviews_answer_in_every_context()
    {
        await f.CreateOrganizationAsync("review-org");
        await f.CreateProjectAsync("review-org", "review-proj");
        await f.CreateUserAsync("rita");
        await f.AddMemberAsync("review-org", "rita", "viewer");
        using var rita = f.As("rita");
        var whoami = await rita.PostAsync(IamFixture.Project("review-proj") + "/apis/authentication.k8s.io/v1/selfsubjectreviews", new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" });
        Assert.Equal("rita", whoami.Json!["status"]!["userInfo"]!["username"]!.ToString());
        Assert.Contains("system:authenticated", whoami.Text);

        async Task<bool> CanI(string verb)
        {
            var r = await rita.PostAsync(IamFixture.Project("review-proj") + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", new JsonObject
            {
                ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SelfSubjectAccessReview",
                ["spec"] = new JsonObject { ["resourceAttributes"] = new JsonObject { ["verb"] = verb, ["resource"] = "configmaps", ["namespace"] = "default" } },
            });
            return r.Json!["status"]!["allowed"]!.GetValue<bool>();
        }
        Assert.True(await CanI("list"));
        Assert.False(await CanI("create"));

        var rules = await rita.PostAsync(IamFixture.Project("review-proj") + "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SelfSubjectRulesReview", ["spec"] = new JsonObject { ["namespace"] = "default" },
        });
        var configmaps = rules.Json!["status"]!["resourceRules"]!.AsArray().OfType<JsonObject>().Single(r => r["resources"]![0]!.ToString() == "configmaps");
        Assert.Equal(["get", "list", "watch"], configmaps["verbs"]!.AsArray().Select(v => v!.ToString()));
    }

    [Fact]
    public async Task Invitation_flow_creates_the_membership_and_access_follows()
    {
        await f.CreateOrganizationAsync("invite-org");
        await f.CreateProjectAsync("invite-org", "invite-proj");
        await f.CreateUserAsync("ivan");
        var r = await f.Admin.PostAsync($"{Iam}/namespaces/organization-invite-org/userinvitations", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "ivan-invite" },
            ["spec"] = new JsonObject
            {
                ["organizationRef"] = new JsonObject { ["name"] = "invite-org" }, ["email"] = "ivan@example.com", ["state"] = "Pending",
                ["roles"] = new JsonArray(new JsonObject { ["name"] = "editor", ["namespace"] = "datum-cloud" }),
            },
        });
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        using var ivan = f.As("ivan");
        const string path = $"{Iam}/namespaces/organization-invite-org/userinvitations/ivan-invite";
        await IamFixture.EventuallyAsync(async () => (await ivan.GetAsync(path)).Status == HttpStatusCode.OK, "invitee can read the invitation");
        // Only the state may change, and only away from Pending.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ivan.MergePatchAsync(path, new JsonObject { ["spec"] = new JsonObject { ["email"] = "x@example.com" } })).Status);
        var accept = await ivan.MergePatchAsync(path, new JsonObject { ["spec"] = new JsonObject { ["state"] = "Accepted" } });
        Assert.True(accept.Status == HttpStatusCode.OK, accept.ToString());
        await IamFixture.EventuallyAsync(async () => (await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/namespaces/organization-invite-org/organizationmemberships/member-ivan")).Status == HttpStatusCode.OK, "membership");
        await IamFixture.EventuallyAsync(async () => (await ivan.PostAsync(IamFixture.Project("invite-proj") + "/api/v1/namespaces/default/configmaps",
            new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "c-" } })).Status == HttpStatusCode.Created, "ivan can edit the project");
        await IamFixture.EventuallyAsync(async () => (await f.Admin.GetAsync(path)).Status == HttpStatusCode.NotFound, "invitation deleted");
    }

    [Fact]
    public async Task Organization_scope_guard_and_unregistered_verbs()
    {
        await f.CreateOrganizationAsync("guard-org");
        await f.CreateUserAsync("gus");
        await f.AddMemberAsync("guard-org", "gus", "owner");
        using var gus = f.As("gus");
        var wrongNs = await gus.GetAsync(IamFixture.Org("guard-org") + "/api/v1/namespaces/default/configmaps");
        Assert.Equal(HttpStatusCode.Forbidden, wrongNs.Status);
        Assert.Contains("namespace mismatch", wrongNs.Text);
        var allNs = await gus.GetAsync(IamFixture.Org("guard-org") + "/api/v1/configmaps");
        Assert.Contains("cross-namespace queries not allowed", allNs.Text);
        var unregistered = f.Authorizer.Decide(IamFixture.InContext(new("gus", "gus", ["system:authenticated"]), "guard-org", null),
            new("escalate", "", "configmaps", null, "organization-guard-org", null));
        Assert.False(unregistered.Allowed);
        Assert.Contains("not registered", unregistered.Reason);
        // Owners may create projects in their organization.
        var project = await gus.PostAsync(IamFixture.Org("guard-org") + "/apis/resourcemanager.miloapis.com/v1alpha1/projects", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "guard-proj" } });
        Assert.True(project.Status == HttpStatusCode.Created, project.ToString());
    }
}

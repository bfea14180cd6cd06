using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Registry;

namespace Datum.ResourceManager.Tests;

/// <summary>Organizations, projects, control planes, quota and sign-up over HTTPS against an in-process server.</summary>
public sealed class TenancyTests(TenancyServerFixture fixture) : IClassFixture<TenancyServerFixture>
{
    private const string Rm = "/apis/resourcemanager.miloapis.com/v1alpha1";
    private ApiClient Admin => fixture.Admin;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string ProjectPlane(string project) => $"{Rm}/projects/{project}/control-plane";

    private static string OrgPlane(string org) => $"{Rm}/organizations/{org}/control-plane";

    private async Task<string> NewOrgAsync(string type = "Standard")
    {
        var name = Unique("org");
        var r = await Admin.PostAsync($"{Rm}/organizations", Json.Obj($$$$"""{"metadata":{"name":"{{{{name}}}}"},"spec":{"type":"{{{{type}}}}"}}"""));
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        return name;
    }

    private async Task<string> NewProjectAsync(string org, string? name = null)
    {
        name ??= Unique("proj");
        var r = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{name}}}}"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        await UntilAsync(async () => (await Admin.GetAsync($"{Rm}/projects/{name}")).Json.At("status.conditions") is JsonArray c
            && c.Any(x => x.Str("type") == "Ready" && x.Str("status") == "True"), $"project {name} Ready");
        return name;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"timed out waiting for {what}");
    }

    [Fact]
    public async Task CustomResourceDefinitions_are_created_only_in_the_platform()
    {
        var project = await NewProjectAsync(await NewOrgAsync());
        var crd = Json.Obj("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}""");
        var r = await Admin.PostAsync($"{ProjectPlane(project)}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.True(r.Status == HttpStatusCode.Forbidden, r.ToString());
        Assert.Contains("belong to the platform control plane", r.Text, StringComparison.Ordinal);
        var listed = await Admin.GetAsync($"{ProjectPlane(project)}/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
        Assert.Empty(listed.Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Changing_an_organizations_type_is_422()
    {
        var org = await NewOrgAsync();
        var r = await Admin.MergePatchAsync($"{Rm}/organizations/{org}", Json.Obj("""{"spec":{"type":"Personal"}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Contains("organization type is immutable", r.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_names_are_422_with_the_rule_that_failed()
    {
        var longName = new string('a', 51);
        var r = await Admin.PostAsync($"{Rm}/organizations", Json.Obj($$$$"""{"metadata":{"name":"{{{{longName}}}}"},"spec":{"type":"Standard"}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Contains("name exceeds maximum length of 50 characters", r.Text, StringComparison.Ordinal);

        var org = await NewOrgAsync();
        foreach (var (name, rule) in new[] { ("abc", "too short"), ("my-datum-app", "reserved word 'datum'"), ("Bad_Name", "RFC 1123"), (new string('p', 31), "too long") })
        {
            r = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{name}}}}"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
            Assert.True(r.Status == HttpStatusCode.UnprocessableEntity, $"{name}: {r}");
            Assert.Contains(rule, r.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_project_whose_organization_does_not_exist_is_422()
    {
        var r = await Admin.PostAsync($"{Rm}/projects", Json.Obj("""{"metadata":{"name":"orphan-project"},"spec":{"ownerRef":{"kind":"Organization","name":"no-such-org"}}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Contains("organization \"no-such-org\" does not exist", r.Json.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_project_or_organization_prefix_is_404_with_a_clear_message()
    {
        var r = await Admin.GetAsync($"{ProjectPlane("missing-project")}/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.NotFound, r.Status);
        Assert.Contains("project \"missing-project\" not found", r.Json.Str("message"), StringComparison.Ordinal);
        r = await Admin.GetAsync($"{OrgPlane("missing-org")}/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.NotFound, r.Status);
        Assert.Contains("organization \"missing-org\" not found", r.Json.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Projects_are_isolated_control_planes()
    {
        var org = await NewOrgAsync();
        var a = await NewProjectAsync(org);
        var b = await NewProjectAsync(org);

        foreach (var p in new[] { a, b })
        {
            var ns = await Admin.GetAsync($"{ProjectPlane(p)}/api/v1/namespaces");
            var names = ns.Object["items"]!.AsArray().Select(i => i.Str("metadata.name")).ToHashSet();
            Assert.Contains("default", names);
            Assert.Contains("milo-system", names);
        }

        await using var watchA = await Admin.WatchAsync($"{ProjectPlane(a)}/api/v1/configmaps?watch=true&resourceVersion=1");
        foreach (var p in new[] { a, b })
        {
            var r = await Admin.PostAsync($"{ProjectPlane(p)}/api/v1/namespaces/default/configmaps", Json.Obj($$$$"""{"metadata":{"name":"same"},"data":{"project":"{{{{p}}}}"}}"""));
            Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        }
        var inA = await Admin.GetAsync($"{ProjectPlane(a)}/api/v1/configmaps");
        var item = Assert.Single(inA.Object["items"]!.AsArray());
        Assert.Equal(a, item.Str("data.project"));
        Assert.Equal(a, (await Admin.GetAsync($"{ProjectPlane(a)}/api/v1/namespaces/default/configmaps/same")).Json.Str("data.project"));
        Assert.Equal(b, (await Admin.GetAsync($"{ProjectPlane(b)}/api/v1/namespaces/default/configmaps/same")).Json.Str("data.project"));
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync("/api/v1/namespaces/default/configmaps/same")).Status);

        var first = await watchA.NextChangeAsync();
        Assert.Equal(a, first.Str("object.data.project"));
        // Project B's create came after A's; a watch of A never shows it.
        Assert.Null(await watchA.TryNextChangeAsync(TimeSpan.FromSeconds(1)));

        var discovery = await Admin.GetAsync($"{ProjectPlane(a)}/api");
        Assert.Equal(HttpStatusCode.OK, discovery.Status);
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync($"{ProjectPlane(a)}/openapi/v3")).Status);
    }

    [Fact]
    public async Task Organization_context_shows_only_its_projects_and_defaults_the_owner()
    {
        var org1 = await NewOrgAsync();
        var org2 = await NewOrgAsync();
        var p1 = await NewProjectAsync(org1);
        await NewProjectAsync(org2);

        var created = await Admin.PostAsync($"{OrgPlane(org1)}/apis/resourcemanager.miloapis.com/v1alpha1/projects", Json.Obj("""{"metadata":{"name":"from-org-context"}}"""));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal(org1, created.Json.Str("spec.ownerRef.name"));
        Assert.Equal(org1, created.Object["metadata"]!["labels"]!["resourcemanager.miloapis.com/organization-name"]!.GetValue<string>());
        Assert.Equal(org1, created.Object["metadata"]!["ownerReferences"]![0]!.Str("name"));

        var list = await Admin.GetAsync($"{OrgPlane(org1)}/apis/resourcemanager.miloapis.com/v1alpha1/projects");
        var names = list.Object["items"]!.AsArray().Select(i => i.Str("metadata.name") ?? "").Order().ToList();
        Assert.Equal(new[] { "from-org-context", p1 }.Order().ToList(), names);

        // The project's plane is also reachable under its organization's prefix, but not another's.
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync($"{OrgPlane(org1)}{ProjectPlane(p1)}/api/v1/namespaces")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{OrgPlane(org2)}{ProjectPlane(p1)}/api/v1/namespaces")).Status);
    }

    [Fact]
    public async Task A_standard_organization_holds_ten_projects_and_the_eleventh_is_403()
    {
        var org = await NewOrgAsync();
        for (var i = 0; i < 10; i++)
        {
            var r = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{org}}}}-p{{{{i}}}}"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
            Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        }
        var eleventh = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{org}}}}-p10"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, eleventh.Status);
        Assert.Equal("Insufficient quota resources available. Review your quota usage and reach out to support if you need additional resources.", eleventh.Json.Str("message"));
    }

    [Fact]
    public async Task Quota_counts_only_the_organizations_own_projects_even_when_names_overlap()
    {
        // The quota check looks for the organization's name in the stored bytes before decoding: a longer
        // organization name containing it, and a project named like it, must not count.
        var org = await NewOrgAsync();
        var other = org + "-b";
        var r = await Admin.PostAsync($"{Rm}/organizations", Json.Obj($$$$"""{"metadata":{"name":"{{{{other}}}}"},"spec":{"type":"Standard"}}"""));
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        string[] othersProjects = [org, .. Enumerable.Range(0, 9).Select(i => $"{other}-p{i}")];
        foreach (var name in othersProjects)
        {
            r = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{name}}}}"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{other}}}}"}}}"""));
            Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        }
        for (var i = 0; i < 10; i++)
        {
            r = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{org}}}}-p{{{{i}}}}"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
            Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        }
        var eleventh = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{org}}}}-p10"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, eleventh.Status);
    }

    [Fact]
    public async Task A_project_carries_the_controllers_finalizer_from_its_create()
    {
        var org = await NewOrgAsync();
        var name = Unique("proj");
        var r = await Admin.PostAsync($"{Rm}/projects", Json.Obj($$$$"""{"metadata":{"name":"{{{{name}}}}","finalizers":["example.com/keep"]},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{org}}}}"}}}"""));
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        var finalizers = (r.Json.At("metadata.finalizers") as JsonArray ?? []).Select(f => f?.ToString()).ToList();
        Assert.Equal(["example.com/keep", "resourcemanager.miloapis.com/project-controller"], finalizers);
    }

    [Fact]
    public async Task A_user_gets_a_personal_organization_membership_and_after_approval_a_project_and_a_third_project_is_403()
    {
        var user = Unique("user");
        var created = await Admin.PostAsync("/apis/iam.miloapis.com/v1alpha1/users", Json.Obj($$$$"""{"metadata":{"name":"{{{{user}}}}"},"spec":{"email":"{{{{user}}}}@example.com","givenName":"Ada","familyName":"Lovelace"}}"""));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var h = Controllers.Iam.PersonalOrganizationController.Hash(created.Json.Str("metadata.uid")!);
        var org = "personal-org-" + h;

        await UntilAsync(async () => (await Admin.GetAsync($"{Rm}/organizations/{org}")).Status == HttpStatusCode.OK, "personal org");
        var orgObj = (await Admin.GetAsync($"{Rm}/organizations/{org}")).Object;
        Assert.Equal("Personal", orgObj.Str("spec.type"));
        Assert.Equal("Ada Lovelace's Personal Org", orgObj["metadata"]!["annotations"]!["kubernetes.io/display-name"]!.GetValue<string>());

        var membershipPath = $"{Rm}/namespaces/organization-{org}/organizationmemberships/membership-{user}";
        await UntilAsync(async () => (await Admin.GetAsync(membershipPath)).Json.Str("status.user.email") == $"{user}@example.com", "membership status");
        var membership = (await Admin.GetAsync(membershipPath)).Object;
        Assert.Equal("Personal", membership.Str("status.organization.type"));
        Assert.Equal("Pending", membership["status"]!["appliedRoles"]![0]!.Str("status"));

        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Rm}/projects/personal-project-{h}")).Status);
        var approved = await Admin.MergePatchAsync($"/apis/iam.miloapis.com/v1alpha1/users/{user}/status", Json.Obj("""{"status":{"registrationApproval":"Approved"}}"""));
        Assert.True(approved.Status == HttpStatusCode.OK, approved.ToString());
        await UntilAsync(async () => (await Admin.GetAsync($"{Rm}/projects/personal-project-{h}")).Status == HttpStatusCode.OK, "personal project");
        Assert.Equal(org, (await Admin.GetAsync($"{Rm}/projects/personal-project-{h}")).Json.Str("spec.ownerRef.name"));

        var second = await Admin.PostAsync($"{OrgPlane(org)}/apis/resourcemanager.miloapis.com/v1alpha1/projects", Json.Obj($$$$"""{"metadata":{"name":"second-{{{{h}}}}"}}"""));
        Assert.True(second.Status == HttpStatusCode.Created, second.ToString());
        var third = await Admin.PostAsync($"{OrgPlane(org)}/apis/resourcemanager.miloapis.com/v1alpha1/projects", Json.Obj($$$$"""{"metadata":{"name":"third-{{{{h}}}}"}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, third.Status);
        Assert.Contains("Insufficient quota resources available.", third.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_creator_of_an_organization_gets_an_owner_membership()
    {
        var user = Unique("creator");
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync("/apis/iam.miloapis.com/v1alpha1/users", Json.Obj($$$$"""{"metadata":{"name":"{{{{user}}}}"},"spec":{"email":"{{{{user}}}}@example.com"}}"""))).Status);
        var org = Unique("team");
        var r = await Admin.SendAsync(HttpMethod.Post, $"{Rm}/organizations", Json.Obj($$$$"""{"metadata":{"name":"{{{{org}}}}"},"spec":{"type":"Standard"}}"""),
            configure: m => { m.Headers.Add("Impersonate-User", $"{user}@example.com"); m.Headers.Add("Impersonate-Uid", user); });
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        var path = $"{Rm}/namespaces/organization-{org}/organizationmemberships/member-{user}";
        await UntilAsync(async () => (await Admin.GetAsync(path)).Json.At("status.conditions") is JsonArray c && c.Any(x => x.Str("type") == "Ready" && x.Str("status") == "True"), "owner membership Ready");
        var membership = (await Admin.GetAsync(path)).Object;
        Assert.Equal("owner", membership["spec"]!["roles"]![0]!.Str("name"));
        Assert.Equal("PartialRolesApplied", membership["status"]!["conditions"]!.AsArray().First(c => c.Str("type") == "RolesApplied").Str("reason"));
    }

    [Fact]
    public async Task Deleting_a_project_removes_every_key_under_its_prefix_before_the_project_goes()
    {
        var org = await NewOrgAsync();
        var project = await NewProjectAsync(org);
        var plane = ProjectPlane(project);
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"{plane}/api/v1/namespaces", Json.Obj("""{"metadata":{"name":"work"}}"""))).Status);
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var ns = i % 2 == 0 ? "work" : "default";
            var r = await Admin.PostAsync($"{plane}/api/v1/namespaces/{ns}/configmaps", Json.Obj($$$$"""{"metadata":{"name":"cm-{{{{i}}}}"},"data":{"i":"{{{{i}}}}"}}"""));
            Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        });
        var held = await Admin.PostAsync($"{plane}/api/v1/namespaces/work/secrets", Json.Obj("""{"metadata":{"name":"held","finalizers":["example.com/hold"]}}"""));
        Assert.Equal(HttpStatusCode.Created, held.Status);

        var deleted = await Admin.DeleteAsync($"{Rm}/projects/{project}");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        var prefix = StorageKeys.ClusterPrefix("project:" + project);
        await UntilAsync(async () =>
        {
            var p = await Admin.GetAsync($"{Rm}/projects/{project}");
            var cleanup = (p.Json.At("status.conditions") as JsonArray)?.FirstOrDefault(c => c.Str("type") == "ResourceCleanup");
            return cleanup.Str("reason") == "CleanupAwaitingCompletion" && cleanup.Str("message")!.Contains("secrets/work/held", StringComparison.Ordinal)
                && (await fixture.Server.Store.ListAsync(prefix, new Datum.Storage.ListRequest(), CancellationToken.None)).Items.Count <= 3;
        }, "cleanup blocked by the held secret", 60);
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync($"{Rm}/projects/{project}")).Status);

        var release = await Admin.MergePatchAsync($"{plane}/api/v1/namespaces/work/secrets/held", Json.Obj("""{"metadata":{"finalizers":null}}"""));
        Assert.True(release.Status == HttpStatusCode.OK, release.ToString());
        await UntilAsync(async () => (await Admin.GetAsync($"{Rm}/projects/{project}")).Status == HttpStatusCode.NotFound, "project gone", 60);
        Assert.Empty((await fixture.Server.Store.ListAsync(prefix, new Datum.Storage.ListRequest(), CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Deleting_an_organization_removes_its_namespace_and_its_projects()
    {
        var org = await NewOrgAsync();
        var project = await NewProjectAsync(org);
        await UntilAsync(async () => (await Admin.GetAsync($"/api/v1/namespaces/organization-{org}")).Status == HttpStatusCode.OK, "org namespace");
        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"{Rm}/organizations/{org}")).Status);
        await UntilAsync(async () => (await Admin.GetAsync($"{Rm}/organizations/{org}")).Status == HttpStatusCode.NotFound, "org gone");
        await UntilAsync(async () => (await Admin.GetAsync($"/api/v1/namespaces/organization-{org}")).Status == HttpStatusCode.NotFound, "org namespace gone");
        await UntilAsync(async () => (await Admin.GetAsync($"{Rm}/projects/{project}")).Status == HttpStatusCode.NotFound, "project gone");
    }

    [Fact]
    public async Task Service_accounts_and_their_tokens_work_in_a_project_and_only_there()
    {
        var org = await NewOrgAsync();
        var project = await NewProjectAsync(org);
        var plane = ProjectPlane(project);
        await UntilAsync(async () => (await Admin.GetAsync($"{plane}/api/v1/namespaces/default/serviceaccounts/default")).Status == HttpStatusCode.OK, "default SA in the project");
        var token = await Admin.PostAsync($"{plane}/api/v1/namespaces/default/serviceaccounts/default/token", Json.Obj("""{"spec":{}}"""));
        Assert.True(token.Status == HttpStatusCode.Created, token.ToString());
        using var client = fixture.CreateClient(bearerToken: token.Json.Str("status.token"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{plane}/api/v1/namespaces/default/configmaps")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces/default/configmaps")).Status);
    }
}

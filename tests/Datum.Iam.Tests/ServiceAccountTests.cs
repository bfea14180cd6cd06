using System.Net;
using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;

namespace Datum.Iam.Tests;

/// <summary>
/// <c>iam.miloapis.com</c> ServiceAccounts as identities over HTTPS: created in a project, bound a role, acting with
/// a token as <c>datum token create --service-account</c> issues it, refused when Inactive, outside its project, or
/// when the account does not exist.
/// </summary>
public sealed class ServiceAccountTests(IamFixture f) : IClassFixture<IamFixture>
{
    private const string Accounts = "/apis/iam.miloapis.com/v1alpha1/serviceaccounts";

    [Fact]
    public async Task A_bound_service_account_acts_with_its_token_until_it_is_made_Inactive()
    {
        await f.CreateOrganizationAsync("sa-org");
        await f.CreateProjectAsync("sa-org", "sa-proj");
        await f.CreateProjectAsync("sa-org", "sa-other");
        var plane = IamFixture.Project("sa-proj");

        var created = await f.Admin.PostAsync(plane + Accounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ci-bot" } });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal("Active", created.Json!["spec"]!["state"]!.ToString());
        var uid = created.Json!["metadata"]!["uid"]!.ToString();
        const string Email = "ci-bot@sa-proj.iam.datumapis.com";
        await IamFixture.EventuallyAsync(async () =>
        {
            var sa = (await f.Admin.GetAsync(plane + Accounts + "/ci-bot")).Json;
            return sa?["status"]?["email"]?.ToString() == Email && sa["status"]?["state"]?.ToString() == "Active";
        }, "status.email and status.state");

        var project = await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/projects/sa-proj");
        var bound = await f.Admin.PostAsync(plane + "/apis/iam.miloapis.com/v1alpha1/namespaces/default/policybindings", IamFixture.Binding("ci-bot-editor",
            new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "ci-bot" }, "editor",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Project", ["name"] = "sa-proj", ["uid"] = project.Json!["metadata"]!["uid"]!.ToString() }));
        Assert.True(bound.Status == HttpStatusCode.Created, bound.ToString());
        await IamFixture.EventuallyAsync(async () =>
            (await f.Admin.GetAsync(plane + "/apis/iam.miloapis.com/v1alpha1/namespaces/default/policybindings/ci-bot-editor")).Json?["status"]?["conditions"]?.AsArray()
                .Any(c => c?["type"]?.ToString() == "SubjectValid" && c["status"]?.ToString() == "True") == true, "SubjectValid");

        using var ci = f.CreateClient(null, f.Tokens.IssueForServiceAccount("project:sa-proj", "ci-bot", ServiceAccount.EmailOf("project:sa-proj", "ci-bot"), TimeSpan.FromHours(1)));
        var configMaps = plane + "/api/v1/namespaces/default/configmaps";
        await IamFixture.EventuallyAsync(async () =>
            (await ci.PostAsync(configMaps, new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "ci-" } })).Status == HttpStatusCode.Created, "the editor binding");

        // The account authenticates as its email, with its uid.
        var whoami = await ci.PostAsync(plane + "/apis/authentication.k8s.io/v1/selfsubjectreviews", new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" });
        Assert.True(whoami.Status == HttpStatusCode.Created, whoami.ToString());
        Assert.Equal(Email, whoami.Json!["status"]!["userInfo"]!["username"]!.ToString());
        Assert.Equal(uid, whoami.Json!["status"]!["userInfo"]!["uid"]!.ToString());

        // Its token is good in its own project only; editor does not include IAM writes.
        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync(IamFixture.Project("sa-other") + "/api/v1/namespaces/default/configmaps")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.PostAsync(plane + Accounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "another" } })).Status);

        // Inactive: refused with a message that says why; Active again: accepted.
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.MergePatchAsync(plane + Accounts + "/ci-bot", new JsonObject { ["spec"] = new JsonObject { ["state"] = "Inactive" } })).Status);
        await IamFixture.EventuallyAsync(async () => (await ci.GetAsync(configMaps)).Status == HttpStatusCode.Unauthorized, "Inactive refused");
        var refused = await ci.GetAsync(configMaps);
        Assert.Contains($"service account \\\"{Email}\\\" is Inactive", refused.Text);
        Assert.Equal("Unauthorized", refused.Json!["reason"]!.ToString());
        await IamFixture.EventuallyAsync(async () =>
            (await f.Admin.GetAsync(plane + Accounts + "/ci-bot")).Json?["status"]?["state"]?.ToString() == "Inactive", "status.state Inactive");
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.MergePatchAsync(plane + Accounts + "/ci-bot", new JsonObject { ["spec"] = new JsonObject { ["state"] = "Active" } })).Status);
        await IamFixture.EventuallyAsync(async () => (await ci.GetAsync(configMaps)).Status == HttpStatusCode.OK, "Active accepted");

        // A token for an account that does not exist is refused.
        using var ghost = f.CreateClient(null, f.Tokens.IssueForServiceAccount("project:sa-proj", "ghost", ServiceAccount.EmailOf("project:sa-proj", "ghost"), TimeSpan.FromHours(1)));
        var noSuch = await ghost.GetAsync(configMaps);
        Assert.Equal(HttpStatusCode.Unauthorized, noSuch.Status);
        Assert.Contains("service account \\\"ghost\\\" does not exist", noSuch.Text);
    }

    [Fact]
    public async Task Bad_state_is_422_and_the_shipped_policy_protects_service_accounts()
    {
        var bad = await f.Admin.PostAsync(Accounts, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "bad" }, ["spec"] = new JsonObject { ["state"] = "Sleeping" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.Status);
        Assert.Contains("spec.state", bad.Text);
        await IamFixture.EventuallyAsync(async () => (await f.Admin.GetAsync("/apis/iam.miloapis.com/v1alpha1/protectedresources/iam.miloapis.com-serviceaccount")).Status == HttpStatusCode.OK, "ProtectedResource");
        var pr = await f.Admin.GetAsync("/apis/iam.miloapis.com/v1alpha1/protectedresources/iam.miloapis.com-serviceaccount");
        Assert.Contains("\"updateStatus\"", pr.Text);
        Assert.Contains("\"Project\"", pr.Text);
        var admin = await f.Admin.GetAsync("/apis/iam.miloapis.com/v1alpha1/namespaces/milo-system/roles/iam.miloapis.com-admin");
        Assert.Contains("iam.miloapis.com/serviceaccounts.create", admin.Text);
        Assert.Contains("iam.miloapis.com/serviceaccounts.updateStatus", admin.Text);
    }
}

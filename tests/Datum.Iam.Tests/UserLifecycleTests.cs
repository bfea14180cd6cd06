using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Authorization;
using Datum.Server.Security;

namespace Datum.Iam.Tests;

/// <summary>UserPreference made for every User; UserDeactivation refusing the user's tokens until it is deleted.</summary>
public sealed class UserLifecycleTests(IamFixture f) : IClassFixture<IamFixture>
{
    private const string Iam = "/apis/iam.miloapis.com/v1alpha1";

    [Fact]
    public async Task A_user_gets_a_preference_and_a_deactivation_refuses_its_tokens_until_deleted()
    {
        var uid = await f.CreateUserAsync("dora");
        await IamFixture.EventuallyAsync(async () => (await f.Admin.GetAsync($"{Iam}/userpreferences/userpreference-dora")).Status == HttpStatusCode.OK, "userpreference-dora");
        var preference = (await f.Admin.GetAsync($"{Iam}/userpreferences/userpreference-dora")).Json!;
        Assert.Equal("system", preference["spec"]!["theme"]!.ToString());
        Assert.Equal("dora", preference["spec"]!["userRef"]!["name"]!.ToString());
        Assert.Equal(uid, preference["metadata"]!["ownerReferences"]![0]!["uid"]!.ToString());

        using var dora = f.As("dora");
        Assert.Equal(HttpStatusCode.OK, (await dora.GetAsync($"{Iam}/users/dora")).Status);

        var missingReason = await f.Admin.PostAsync($"{Iam}/userdeactivations", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "dora-bad" }, ["spec"] = new JsonObject { ["userRef"] = new JsonObject { ["name"] = "dora" }, ["deactivatedBy"] = "admin" },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missingReason.Status);
        Assert.Contains("spec.reason", missingReason.Text);

        var created = await f.Admin.PostAsync($"{Iam}/userdeactivations", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "dora-off" },
            ["spec"] = new JsonObject { ["userRef"] = new JsonObject { ["name"] = "dora" }, ["reason"] = "abuse report", ["deactivatedBy"] = "admin" },
        });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        await IamFixture.EventuallyAsync(async () => (await dora.GetAsync($"{Iam}/users/dora")).Status == HttpStatusCode.Unauthorized, "dora refused");
        var refused = await dora.GetAsync($"{Iam}/users/dora");
        Assert.Contains("user \\\"dora\\\" is deactivated", refused.Text);
        Assert.Equal("Inactive", (await f.Admin.GetAsync($"{Iam}/users/dora")).Json!["status"]!["state"]!.ToString());
        await IamFixture.EventuallyAsync(async () =>
            (await f.Admin.GetAsync($"{Iam}/userdeactivations/dora-off")).Json?["status"]?["conditions"]?.AsArray()
                .Any(c => c?["type"]?.ToString() == "Ready" && c["status"]?.ToString() == "True" && c["reason"]?.ToString() == "Reconciled") == true, "deactivation Ready");
        // userRef is immutable.
        var moved = await f.Admin.MergePatchAsync($"{Iam}/userdeactivations/dora-off", new JsonObject { ["spec"] = new JsonObject { ["userRef"] = new JsonObject { ["name"] = "someone" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved.Status);

        Assert.Equal(HttpStatusCode.OK, (await f.Admin.DeleteAsync($"{Iam}/userdeactivations/dora-off")).Status);
        await IamFixture.EventuallyAsync(async () => (await dora.GetAsync($"{Iam}/users/dora")).Status == HttpStatusCode.OK, "dora reactivated");
        Assert.Equal("Active", (await f.Admin.GetAsync($"{Iam}/users/dora")).Json!["status"]!["state"]!.ToString());
    }

    [Fact]
    public async Task Status_writes_need_updateStatus_where_the_kind_registers_it()
    {
        await f.CreateOrganizationAsync("us-org");
        foreach (var u in new[] { "eve", "val", "uma" }) await f.CreateUserAsync(u);
        await f.AddMemberAsync("us-org", "eve", "editor");
        await f.AddMemberAsync("us-org", "val", "viewer");
        // uma holds only update on namespaces, through a role of the organization.
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/organization-us-org/roles", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "namespace-updater" },
            ["spec"] = new JsonObject { ["launchStage"] = "Beta", ["includedPermissions"] = new JsonArray("core.miloapis.com/namespaces.update", "resourcemanager.miloapis.com/organizations.get") },
        })).Status);
        var org = await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/organizations/us-org");
        var umaUid = (await f.Admin.GetAsync($"{Iam}/users/uma")).Json!["metadata"]!["uid"]!.ToString();
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/organization-us-org/policybindings", IamFixture.Binding("uma-updater",
            new JsonObject { ["kind"] = "User", ["name"] = "uma", ["uid"] = umaUid }, "namespace-updater",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "us-org", ["uid"] = org.Json!["metadata"]!["uid"]!.ToString() },
            roleNamespace: "organization-us-org"))).Status);

        AuthorizationDecision Decide(string user, string verb, string? subresource) =>
            f.Authorizer.Decide(IamFixture.InContext(new UserInfo(user, user, ["system:authenticated"]), "us-org", null),
                new AuthorizationAttributes(verb, "", "namespaces", subresource, null, "organization-us-org"));
        await IamFixture.EventuallyAsync(() => Task.FromResult(Decide("uma", "update", null).Allowed), "uma's binding");

        Assert.True(Decide("eve", "update", "status").Allowed);
        Assert.True(Decide("eve", "patch", "status").Allowed);
        var viewer = Decide("val", "update", "status");
        Assert.False(viewer.Allowed);
        Assert.Contains("missing permission 'core.miloapis.com/namespaces.updateStatus'", viewer.Reason);
        // update of the object is not updateStatus: uma may change the namespace but not its status.
        Assert.True(Decide("uma", "update", null).Allowed);
        Assert.False(Decide("uma", "update", "status").Allowed);
        // Reading the status is still get.
        Assert.True(Decide("val", "get", "status").Allowed);
    }
}

/// <summary>The authorizer's decision cache never outlives a change of the graph.</summary>
public sealed class DecisionCacheTests(IamFixture f) : IClassFixture<IamFixture>
{
    [Fact]
    public async Task A_cached_denial_turns_into_an_allow_when_a_binding_appears_and_back_when_it_goes()
    {
        await f.CreateOrganizationAsync("cache-org");
        await f.CreateUserAsync("cody");
        var cody = IamFixture.InContext(new UserInfo("cody", "cody", ["system:authenticated"]), "cache-org", null);
        var create = new AuthorizationAttributes("create", "", "configmaps", null, "organization-cache-org", null);
        // Asked twice: the second answer comes from the cache.
        Assert.False(f.Authorizer.Decide(cody, create).Allowed);
        Assert.False(f.Authorizer.Decide(cody, create).Allowed);
        await f.AddMemberAsync("cache-org", "cody", "editor");
        Assert.True(f.Authorizer.Decide(cody, create).Allowed);
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.DeleteAsync("/apis/resourcemanager.miloapis.com/v1alpha1/namespaces/organization-cache-org/organizationmemberships/member-cody")).Status);
        await IamFixture.EventuallyAsync(() => Task.FromResult(!f.Authorizer.Decide(cody, create).Allowed), "the membership's binding gone");
    }
}

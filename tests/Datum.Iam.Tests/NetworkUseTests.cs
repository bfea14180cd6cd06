using System.Net;
using System.Text.Json.Nodes;
using Datum.Compute;
using Datum.Networking;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Server.Hosting;

namespace Datum.Iam.Tests;

/// <summary>IAM with networking and compute: compute's admission asks the authorizer for <c>use</c> on attached Networks.</summary>
public sealed class NetworkUseFixture : IamFixture
{
    protected override DatumServerOptions Configure(DatumServerOptions options) => base.Configure(options).AddNetworking().AddCompute();
}

/// <summary>Creating or changing a Workload needs <c>networking.datumapis.com/networks.use</c> on each Network it attaches.</summary>
public sealed class NetworkUseTests(NetworkUseFixture f) : IClassFixture<NetworkUseFixture>
{
    private const string Iam = "/apis/iam.miloapis.com/v1alpha1";

    private static JsonObject Workload(string name, params string[] networks) => new()
    {
        ["apiVersion"] = "compute.datumapis.com/v1alpha", ["kind"] = "Workload",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["runtime"] = new JsonObject
                    {
                        ["resources"] = new JsonObject { ["instanceType"] = "datumcloud/d1-standard-2" },
                        ["sandbox"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "docker.io/library/nginx:1.27" }) },
                    },
                    ["networkInterfaces"] = new JsonArray(networks.Select(n => (JsonNode?)new JsonObject { ["network"] = new JsonObject { ["name"] = n } }).ToArray()),
                },
            },
            ["placements"] = new JsonArray(new JsonObject { ["name"] = "us", ["cityCodes"] = new JsonArray("DFW"), ["scaleSettings"] = new JsonObject { ["minReplicas"] = 1 } }),
        },
    };

    [Fact]
    public async Task A_workload_may_attach_only_networks_the_caller_may_use()
    {
        var location = await f.Admin.PostAsync("/apis/networking.datumapis.com/v1alpha/locations", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "dfw", ["labels"] = new JsonObject { [NetworkingNames.CityCodeTopologyKey] = "DFW" } },
            ["spec"] = new JsonObject
            {
                ["locationClassName"] = "datum-managed", ["topology"] = new JsonObject { [NetworkingNames.CityCodeTopologyKey] = "DFW" },
                ["provider"] = new JsonObject { ["simulated"] = new JsonObject { ["region"] = "us-south" } },
            },
        });
        Assert.True(location.Status == HttpStatusCode.Created, location.ToString());
        await f.CreateOrganizationAsync("nu-org");
        await f.CreateProjectAsync("nu-org", "nu-proj");
        var plane = IamFixture.Project("nu-proj");
        foreach (var network in new[] { "net-a", "net-b" })
        {
            var n = await f.Admin.PostAsync(plane + "/apis/networking.datumapis.com/v1alpha/namespaces/default/networks", new JsonObject { ["metadata"] = new JsonObject { ["name"] = network } });
            Assert.True(n.Status == HttpStatusCode.Created, n.ToString());
        }
        await f.CreateUserAsync("wendy");
        await f.CreateUserAsync("cara");
        await f.AddMemberAsync("nu-org", "wendy", "editor");
        // cara may create workloads in the organization's projects, but holds no networks.use.
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/organization-nu-org/roles", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "workload-writer" },
            ["spec"] = new JsonObject { ["launchStage"] = "Beta", ["includedPermissions"] = new JsonArray("compute.datumapis.com/workloads.create", "compute.datumapis.com/workloads.get", "resourcemanager.miloapis.com/organizations.get") },
        })).Status);
        var org = await f.Admin.GetAsync("/apis/resourcemanager.miloapis.com/v1alpha1/organizations/nu-org");
        var caraUid = (await f.Admin.GetAsync($"{Iam}/users/cara")).Json!["metadata"]!["uid"]!.ToString();
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/organization-nu-org/policybindings", IamFixture.Binding("cara-workloads",
            new JsonObject { ["kind"] = "User", ["name"] = "cara", ["uid"] = caraUid }, "workload-writer",
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = "nu-org", ["uid"] = org.Json!["metadata"]!["uid"]!.ToString() },
            roleNamespace: "organization-nu-org"))).Status);

        var workloads = plane + "/apis/compute.datumapis.com/v1alpha/namespaces/default/workloads";
        using var cara = f.As("cara");
        using var wendy = f.As("wendy");
        var caraUser = new Datum.Server.Security.UserInfo("cara", "cara", ["system:authenticated"]);
        await IamFixture.EventuallyAsync(() => Task.FromResult(f.Authorizer.Decide(IamFixture.InContext(caraUser, null, "nu-proj"),
            new Datum.Server.Authorization.AuthorizationAttributes("create", "compute.datumapis.com", "workloads", null, "default", null)).Allowed), "cara's binding");
        var denied = await cara.PostAsync(workloads, Workload("cara-1", "net-a"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Contains("permission to use the network was denied", denied.Text);
        Assert.Contains("networking.datumapis.com/networks.use", denied.Text);
        Assert.Contains("Network \\\"net-a\\\"", denied.Text);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Admin.GetAsync(workloads + "/cara-1")).Status);

        // Editors hold networks.use through the shipped networking editor role; admin (system:masters) passes.
        var byEditor = await wendy.PostAsync(workloads, Workload("wendy-1", "net-a", "net-b"));
        Assert.True(byEditor.Status == HttpStatusCode.Created, byEditor.ToString());
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(workloads, Workload("admin-1", "net-b"))).Status);

        // use granted on net-a alone: net-a may be attached, net-b still not.
        var netA = await f.Admin.GetAsync(plane + "/apis/networking.datumapis.com/v1alpha/namespaces/default/networks/net-a");
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync($"{Iam}/namespaces/organization-nu-org/roles", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "network-user" },
            ["spec"] = new JsonObject { ["launchStage"] = "Beta", ["includedPermissions"] = new JsonArray("networking.datumapis.com/networks.use") },
        })).Status);
        var binding = IamFixture.Binding("cara-net-a", new JsonObject { ["kind"] = "User", ["name"] = "cara", ["uid"] = caraUid }, "network-user",
            new JsonObject { ["apiGroup"] = "networking.datumapis.com", ["kind"] = "Network", ["name"] = "net-a", ["namespace"] = "default", ["uid"] = netA.Json!["metadata"]!["uid"]!.ToString() },
            roleNamespace: "organization-nu-org");
        Assert.Equal(HttpStatusCode.Created, (await f.Admin.PostAsync(plane + $"{Iam}/namespaces/default/policybindings", binding)).Status);
        await IamFixture.EventuallyAsync(async () => (await cara.PostAsync(workloads, Workload("cara-2", "net-a"))).Status == HttpStatusCode.Created, "use on net-a");
        var both = await cara.PostAsync(workloads, Workload("cara-3", "net-a", "net-b"));
        Assert.Equal(HttpStatusCode.Forbidden, both.Status);
        Assert.Contains("Network \\\"net-b\\\"", both.Text);
    }
}

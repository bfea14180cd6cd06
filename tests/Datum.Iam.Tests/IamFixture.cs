using System.Net;
using System.Text.Json.Nodes;
using Datum.Iam.Authorization;
using Datum.ResourceManager;
using Datum.Server.Authorization;
using Datum.Server.Hosting;
using Datum.Server.Security;
using Datum.Server.Tenancy;

namespace Datum.Iam.Tests;

/// <summary>
/// A real server (resource manager + IAM) on a random port (the shared <see cref="ApiServerFixture"/>), its admin
/// client, and user clients with tokens as <c>datum token create</c> issues them.
/// </summary>
public class IamFixture : ApiServerFixture
{
    private readonly IamModule _module = new();
    private UserTokens? _tokens;

    internal IamAuthorizer Authorizer => _module.Authorizer!;

    /// <inheritdoc />
    protected override DatumServerOptions Configure(DatumServerOptions options)
    {
        var withRm = options.AddResourceManager();
        return withRm with { Modules = [.. withRm.Modules, _module] };
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _tokens = await UserTokens.LoadAsync(DataDirectory, CancellationToken.None);
    }

    public override async Task DisposeAsync()
    {
        _tokens?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>The token issuer of the server's data directory.</summary>
    public UserTokens Tokens => _tokens!;

    /// <summary>A user token as <c>datum token create</c> issues it.</summary>
    public string Token(string user, params string[] groups) => _tokens!.Issue(user, groups, TimeSpan.FromHours(1));

    /// <summary>A client authenticated with a user token.</summary>
    public ApiClient As(string user, params string[] groups) => CreateClient(null, Token(user, groups));

    /// <summary>Polls until <paramref name="condition"/> holds (20 s at most).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    public static string Org(string org) => $"/apis/resourcemanager.miloapis.com/v1alpha1/organizations/{org}/control-plane";

    public static string Project(string project) => $"/apis/resourcemanager.miloapis.com/v1alpha1/projects/{project}/control-plane";

    /// <summary>A user as the dispatcher presents it to the authorizer in a control plane.</summary>
    public static UserInfo InContext(UserInfo user, string? org, string? project) =>
        project is not null ? ControlPlaneUsers.WithParent(user, new ControlPlane { Cluster = "project:" + project, ParentApiGroup = "resourcemanager.miloapis.com", ParentType = "Project", ParentName = project })
        : org is not null ? ControlPlaneUsers.WithParent(user, new ControlPlane { Cluster = "org:" + org, ParentApiGroup = "resourcemanager.miloapis.com", ParentType = "Organization", ParentName = org })
        : user;

    /// <summary>Creates an organization (Standard) as admin and waits for its namespace.</summary>
    public async Task CreateOrganizationAsync(string name)
    {
        var r = await Admin.PostAsync("/apis/resourcemanager.miloapis.com/v1alpha1/organizations", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = new JsonObject { ["type"] = "Standard" },
        });
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        await EventuallyAsync(async () => (await Admin.GetAsync($"/api/v1/namespaces/organization-{name}")).Status == HttpStatusCode.OK, $"namespace organization-{name}");
    }

    /// <summary>Creates a project in an organization as admin and waits until it is Ready.</summary>
    public async Task CreateProjectAsync(string org, string name)
    {
        var r = await Admin.PostAsync(Org(org) + "/apis/resourcemanager.miloapis.com/v1alpha1/projects", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        await EventuallyAsync(async () =>
            (await Admin.GetAsync($"/apis/resourcemanager.miloapis.com/v1alpha1/projects/{name}")).Json?["status"]?["conditions"]?.AsArray()
                .Any(c => c?["type"]?.ToString() == "Ready" && c["status"]?.ToString() == "True") == true, $"project {name} Ready");
    }

    /// <summary>Creates a User as admin and returns its uid.</summary>
    public async Task<string> CreateUserAsync(string name)
    {
        var r = await Admin.PostAsync("/apis/iam.miloapis.com/v1alpha1/users", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = new JsonObject { ["email"] = name + "@example.com", ["givenName"] = name, ["familyName"] = "Test" },
        });
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        return r.Json!["metadata"]!["uid"]!.ToString();
    }

    /// <summary>Makes a user a member of an organization with a role, and waits for the binding to take effect.</summary>
    public async Task AddMemberAsync(string org, string user, string role)
    {
        var r = await Admin.PostAsync($"/apis/resourcemanager.miloapis.com/v1alpha1/namespaces/organization-{org}/organizationmemberships", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "member-" + user },
            ["spec"] = new JsonObject
            {
                ["organizationRef"] = new JsonObject { ["name"] = org }, ["userRef"] = new JsonObject { ["name"] = user },
                ["roles"] = new JsonArray(new JsonObject { ["name"] = role, ["namespace"] = "datum-cloud" }),
            },
        });
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
        var u = new UserInfo(user, user, ["system:authenticated"]);
        await EventuallyAsync(() => Task.FromResult(Authorizer.Decide(InContext(u, org, null),
            new AuthorizationAttributes("get", "resourcemanager.miloapis.com", "organizations", null, null, org)).Allowed), $"{user} bound in {org}");
    }

    /// <summary>Binds a role to a subject on a project (binding in the organization's platform namespace).</summary>
    public async Task BindOnProjectAsync(string org, string project, string bindingName, JsonObject subject, string role, ApiClient? client = null)
    {
        var p = await Admin.GetAsync($"/apis/resourcemanager.miloapis.com/v1alpha1/projects/{project}");
        var r = await (client ?? Admin).PostAsync($"/apis/iam.miloapis.com/v1alpha1/namespaces/organization-{org}/policybindings", Binding(bindingName, subject, role,
            new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Project", ["name"] = project, ["uid"] = p.Json!["metadata"]!["uid"]!.ToString() }));
        Assert.True(r.Status == HttpStatusCode.Created, r.ToString());
    }

    public static JsonObject Binding(string name, JsonObject subject, string role, JsonObject resourceRef, string roleNamespace = "datum-cloud") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["roleRef"] = new JsonObject { ["name"] = role, ["namespace"] = roleNamespace },
            ["subjects"] = new JsonArray(subject),
            ["resourceSelector"] = new JsonObject { ["resourceRef"] = resourceRef },
        },
    };
}

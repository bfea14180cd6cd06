using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Datum.Iam.Authorization;
using Datum.ResourceManager;
using Datum.Server.Authorization;
using Datum.Server.Hosting;
using Datum.Server.Security;
using Datum.Server.Tenancy;

namespace Datum.Iam.Tests;

/// <summary>A real server (resource manager + IAM) on a random port, an admin client and user clients with tokens.</summary>
public sealed class IamFixture : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("datum-iam-").FullName;
    private readonly IamModule _module = new();
    private X509Certificate2? _adminCertificate;
    private UserTokens? _tokens;

    public DatumServer Server { get; private set; } = null!;

    public Client Admin { get; private set; } = null!;

    internal IamAuthorizer Authorizer => _module.Authorizer!;

    public string DataDirectory => _dataDirectory;

    public async Task InitializeAsync()
    {
        var options = new DatumServerOptions { DataDirectory = _dataDirectory, SecurePort = 0 }.AddResourceManager();
        Server = await DatumServer.StartAsync(options with { Modules = [.. options.Modules, _module] }, CancellationToken.None);
        _adminCertificate = X509Certificate2.CreateFromPem(Server.Credentials.AdminCertificatePem, Server.Credentials.AdminKeyPem);
        Admin = CreateClient(_adminCertificate, null);
        _tokens = await UserTokens.LoadAsync(_dataDirectory, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await Server.DisposeAsync();
        _adminCertificate?.Dispose();
        _tokens?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A user token as <c>datum token create</c> issues it.</summary>
    public string Token(string user, params string[] groups) => _tokens!.Issue(user, groups, TimeSpan.FromHours(1));

    /// <summary>A client authenticated with a user token.</summary>
    public Client As(string user, params string[] groups) => CreateClient(null, Token(user, groups));

    public Client CreateClient(X509Certificate2? certificate, string? token)
    {
        var ca = Server.Credentials.CertificateAuthority;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(cert));
                },
            },
        };
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        var http = new HttpClient(handler) { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return new Client(http);
    }

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
    public async Task BindOnProjectAsync(string org, string project, string bindingName, JsonObject subject, string role, Client? client = null)
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

public sealed record Reply(HttpStatusCode Status, string Text, JsonNode? Json)
{
    public override string ToString() => $"{(int)Status} {Text}";
}

public sealed class Client(HttpClient http) : IDisposable
{
    public async Task<Reply> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.StartsWith('{'))
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        return new Reply(response.StatusCode, text, json);
    }

    public Task<Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<Reply> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<Reply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<Reply> MergePatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/merge-patch+json");

    public void Dispose() => http.Dispose();
}

// datum-iam-bench: the IAM authorizer's decision latency with many bindings, in process (no server, no storage).
// Usage: dotnet run -c Release --project bench/Datum.Iam.Bench -- [bindings=10000] [decisions=200000]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Datum.Iam;
using Datum.Iam.Authorization;
using Datum.Iam.Bootstrap;
using Datum.ResourceManager;
using Datum.Server.Authorization;
using Datum.Server.Builtins;
using Datum.Server.Hosting;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Server.Tenancy;

var bindingCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var decisionCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;

// The kinds `datum up` serves, and the shipped ProtectedResources and roles generated from them.
var catalog = new ResourceCatalog();
BuiltinKinds.AddTo(catalog, new AuthenticatedAuthorizer());
foreach (var module in new DatumServerOptions { DataDirectory = "." }.AddResourceManager().AddIam().Modules) module.AddKinds(catalog);
var graph = new PolicyGraph();
foreach (var kind in ShippedPolicy.ProtectedKinds(catalog)) graph.Apply($"/registry/root/iam.miloapis.com/protectedresources/{kind.Plural}.{kind.Group}", ShippedPolicy.ProtectedResourceFor(kind));
foreach (var role in ShippedPolicy.Roles(catalog)) graph.Apply($"/registry/root/iam.miloapis.com/roles/{role["metadata"]!["namespace"]}/{role["metadata"]!["name"]}", role);

// bindingCount bindings: one per user, on 1 of N organizations (owner/editor/viewer) or on a project.
var organizations = Math.Max(1, bindingCount / 5);
for (var o = 0; o < organizations; o++)
{
    for (var p = 0; p < 2; p++)
    {
        graph.Apply($"/registry/root/resourcemanager.miloapis.com/projects/p{o}-{p}", new JsonObject { ["spec"] = new JsonObject { ["ownerRef"] = new JsonObject { ["name"] = $"o{o}" } } });
    }
}
string[] roles = ["owner", "editor", "viewer"];
for (var i = 0; i < bindingCount; i++)
{
    var org = i % organizations;
    var onProject = i % 4 == 3;
    var target = onProject
        ? new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Project", ["name"] = $"p{org}-{i % 2}", ["uid"] = "u" }
        : new JsonObject { ["apiGroup"] = "resourcemanager.miloapis.com", ["kind"] = "Organization", ["name"] = $"o{org}", ["uid"] = "u" };
    graph.Apply($"/registry/root/iam.miloapis.com/policybindings/organization-o{org}/b{i}", new JsonObject
    {
        ["spec"] = new JsonObject
        {
            ["roleRef"] = new JsonObject { ["name"] = roles[i % 3], ["namespace"] = "datum-cloud" },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["name"] = $"user{i}", ["uid"] = $"uid{i}" }),
            ["resourceSelector"] = new JsonObject { ["resourceRef"] = target },
        },
    });
}
var authorizer = new IamAuthorizer(graph, catalog);

// Requests: a user acting in a project of "their" organization (allowed or denied by role), and strangers (denied).
string[] verbs = ["get", "list", "create", "update", "delete"];
var requests = new (UserInfo User, AuthorizationAttributes Attributes)[4096];
var random = new Random(42);
for (var r = 0; r < requests.Length; r++)
{
    var i = random.Next(bindingCount);
    var org = i % organizations;
    var project = $"p{(r % 5 == 0 ? (org + 1) % organizations : org)}-{random.Next(2)}";
    var user = ControlPlaneUsers.WithParent(new UserInfo($"user{i}", $"user{i}", ["system:authenticated"]),
        new ControlPlane { Cluster = "project:" + project, ParentApiGroup = "resourcemanager.miloapis.com", ParentType = "Project", ParentName = project });
    var verb = verbs[random.Next(verbs.Length)];
    requests[r] = (user, new AuthorizationAttributes(verb, "", "configmaps", null, "default", verb is "get" or "update" or "delete" ? "settings" : null));
}

// Decided from the graph (the decision cache bypassed: every decision walks targets and bindings), then as the server
// decides (repeated requests answered from the decision cache while the graph is unchanged).
Console.WriteLine($"bindings={bindingCount} organizations={organizations} decisions={decisionCount}");
foreach (var (label, decide) in new (string, Func<UserInfo, AuthorizationAttributes, AuthorizationDecision>)[]
{
    ("uncached", authorizer.DecideUncached), ("cached", authorizer.Decide),
})
{
    for (var w = 0; w < 20_000; w++) decide(requests[w % requests.Length].User, requests[w % requests.Length].Attributes);
    var samples = new long[decisionCount];
    var allowed = 0;
    var total = Stopwatch.StartNew();
    for (var d = 0; d < decisionCount; d++)
    {
        var (user, attributes) = requests[d % requests.Length];
        var start = Stopwatch.GetTimestamp();
        if (decide(user, attributes).Allowed) allowed++;
        samples[d] = Stopwatch.GetTimestamp() - start;
    }
    total.Stop();
    Array.Sort(samples);
    double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
    double Percentile(double p) => Micros(samples[Math.Min(samples.Length - 1, (int)(p * samples.Length))]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{label}: allowed={allowed} p50={Percentile(0.50):F2}us p90={Percentile(0.90):F2}us p99={Percentile(0.99):F2}us p99.9={Percentile(0.999):F2}us max={Micros(samples[^1]):F2}us throughput={decisionCount / total.Elapsed.TotalSeconds:F0}/s"));
}

// The per-request identity work of one GET in a project, in process: a user token (verified once, then cached) through
// the IAM user validator, the parent extras and a decision, against the admin's (system:masters) parent extras and decision.
var pki = Directory.CreateTempSubdirectory("datum-iam-bench-").FullName;
try
{
    using var tokens = await UserTokens.LoadAsync(pki, CancellationToken.None);
    var validator = new IamUserValidator(graph);
    var token = tokens.Issue("user0", [], TimeSpan.FromHours(1));
    var plane = new ControlPlane { Cluster = "project:p0-0", ParentApiGroup = "resourcemanager.miloapis.com", ParentType = "Project", ParentName = "p0-0" };
    var get = new AuthorizationAttributes("get", "", "configmaps", null, "default", "settings");
    var admin = new UserInfo("admin", null, ["system:masters", "system:authenticated"]);
    double Time(Func<bool> request)
    {
        const int N = 200_000;
        for (var i = 0; i < 20_000; i++) request();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < N; i++)
        {
            if (!request()) throw new InvalidOperationException("expected the request to be allowed");
        }
        return watch.Elapsed.TotalMicroseconds / N;
    }
    var userPath = Time(() => authorizer.Decide(ControlPlaneUsers.WithParent(validator.Validate(tokens.Validate(token)!), plane), get).Allowed);
    var adminPath = Time(() => authorizer.Decide(ControlPlaneUsers.WithParent(admin, plane), get).Allowed);
    var verified = tokens.Validate(token)!;
    var inPlane = ControlPlaneUsers.WithParent(verified, plane);
    var tokenOnly = Time(() => tokens.Validate(token) is not null);
    var validatorOnly = Time(() => validator.Validate(verified) is not null);
    var parentOnly = Time(() => ControlPlaneUsers.WithParent(verified, plane) is not null);
    var decideOnly = Time(() => authorizer.Decide(inPlane, get).Allowed);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"identity work per GET: user token {userPath:F2}us (token {tokenOnly:F2}, validator {validatorOnly:F2}, parent extras {parentOnly:F2}, decision {decideOnly:F2}), admin {adminPath:F2}us"));
}
finally
{
    Directory.Delete(pki, recursive: true);
}

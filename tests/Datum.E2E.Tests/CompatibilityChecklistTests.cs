using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>One server process with a <c>widgets.example.com</c> CRD (status and scale subresources, printer columns,
/// defaults, descriptions) applied with the real kubectl, shared by <see cref="CompatibilityChecklistTests"/>.</summary>
public sealed class CompatibilityFixture : IAsyncLifetime
{
    public const string Group = "example.com";

    public const string CrdYaml = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
            additionalPrinterColumns:
            - {name: X, type: integer, jsonPath: .spec.x, description: The x value.}
            - {name: Color, type: string, jsonPath: .spec.color, priority: 1}
            - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
            schema:
              openAPIV3Schema:
                type: object
                description: Widget is a test kind.
                properties:
                  spec:
                    type: object
                    description: WidgetSpec is the desired state of a Widget.
                    properties:
                      x: {type: integer, description: X is a number.}
                      color: {type: string, default: blue, description: Color of the widget.}
                      replicas: {type: integer, default: 1}
                  status:
                    type: object
                    properties:
                      ready: {type: boolean}
                      replicas: {type: integer}
                      conditions:
                        type: array
                        items:
                          type: object
                          properties:
                            type: {type: string}
                            status: {type: string}
                            reason: {type: string}
                            message: {type: string}
                            observedGeneration: {type: integer}
                            lastTransitionTime: {type: string, format: date-time}
        """;

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync();
        if (Kubectl.Binary is null)
        {
            return;
        }
        using var kubectl = new Kubectl(Server.KubeconfigPath, context: "platform");
        var apply = await kubectl.RunAsync(["apply", "-f", "-"], CrdYaml, TimeSpan.FromSeconds(120));
        Assert.True(apply.ExitCode == 0, apply.ToString());
        var established = await kubectl.RunAsync(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=120s"], null, TimeSpan.FromSeconds(150));
        Assert.True(established.ExitCode == 0, established.ToString());
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>Acceptance checks from the compatibility checklist (docs/kubernetes-compatibility.md) that no other test
/// pinned down: each drives the real kubectl (or plain HTTPS) against a real server process.
/// No assertion depends on how fast the machine is; waits are generous deadlines only.</summary>
public sealed class CompatibilityChecklistTests : IClassFixture<CompatibilityFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly ServerProcess _server;
    private readonly ITestOutputHelper _output;
    private readonly Kubectl _kubectl;

    public CompatibilityChecklistTests(CompatibilityFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine, "platform");
    }

    public void Dispose() => _kubectl.Dispose();

    private async Task<string> NewNamespaceAsync()
    {
        var ns = ServerFixture.UniqueName("compat");
        await _kubectl.OkAsync("create", "namespace", ns);
        return ns;
    }

    private async Task<KubectlResult> RunAsync(string[] args, string? stdin = null)
    {
        var r = await _kubectl.RunAsync(args, stdin, Patience);
        _output.WriteLine(r.ToString());
        return r;
    }

    private async Task<string> OkAsync(string[] args, string? stdin = null)
    {
        var r = await RunAsync(args, stdin);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {r}");
        return r.Stdout;
    }

    private async Task CreateWidgetAsync(string ns, string name, int x)
    {
        var yaml = $"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{x: {x}}}\n";
        Assert.Contains($"widget.example.com/{name} created", await OkAsync(["create", "-f", "-"], yaml));
    }

    private static string ReadyCondition(long observedGeneration) =>
        $$$"""{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Reconciled","message":"ok","observedGeneration":{{{observedGeneration}}},"lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""";

    // Items 14 and 24: status writes keep generation, spec writes bump it, and kubectl wait honours
    // conditions[].observedGeneration.
    [KubectlFact]
    public async Task Wait_for_condition_Ready_needs_observedGeneration_to_match_generation()
    {
        var ns = await NewNamespaceAsync();
        await CreateWidgetAsync(ns, "w", 1);
        Assert.Equal("1", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.metadata.generation}"]));

        await OkAsync(["-n", ns, "label", "widget", "w", "touched=yes"]);
        Assert.Equal("1", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.metadata.generation}"]));
        await OkAsync(["-n", ns, "patch", "widget", "w", "--type=merge", "-p", """{"spec":{"x":2}}"""]);
        Assert.Equal("2", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.metadata.generation}"]));

        // Ready=True, but for generation 1: not met; the short wait must time out.
        Assert.Contains("widget.example.com/w patched",
            await OkAsync(["-n", ns, "patch", "widget", "w", "--subresource=status", "--type=merge", "-p", ReadyCondition(1)]));
        Assert.Equal("2", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.metadata.generation}"]));
        Assert.Equal("True", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.status.conditions[0].status}"]));
        var stale = await RunAsync(["-n", ns, "wait", "--for=condition=Ready", "widget/w", "--timeout=2s"]);
        Assert.True(stale.ExitCode != 0, $"a condition for an older generation satisfied kubectl wait: {stale}");
        Assert.Contains("timed out", stale.Stderr);

        // A waiter started before the controller catches up returns once observedGeneration matches.
        using var waiter = _kubectl.Start("-n", ns, "wait", "--for=condition=Ready", "widget/w", "--timeout=120s");
        await OkAsync(["-n", ns, "patch", "widget", "w", "--subresource=status", "--type=merge", "-p", ReadyCondition(2)]);
        var met = await waiter.WaitForLineAsync(l => l.Contains("condition met", StringComparison.Ordinal), Patience, _output.WriteLine);
        Assert.True(met is not null, $"kubectl wait never printed 'condition met'; stderr: {waiter.Stderr}");
        Assert.Contains("widget.example.com/w condition met", met);
        Assert.Equal("2", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.metadata.generation}"]));

        // Printer column READY reads the condition.
        Assert.Matches(@"(?m)^w\s+2\s+True\s+\S+", await OkAsync(["-n", ns, "get", "widgets"]));
    }

    // Item 21: server-side Table with the CRD's printer columns, priority-1 columns only in -o wide, and Table rows in
    // watch events (kubectl get -w).
    [KubectlFact]
    public async Task Get_and_get_watch_print_the_custom_printer_columns()
    {
        var ns = await NewNamespaceAsync();
        await CreateWidgetAsync(ns, "w", 3);

        var get = await OkAsync(["-n", ns, "get", "widgets"]);
        Assert.Matches(@"^NAME\s+X\s+READY\s+AGE\s*\n", get);
        Assert.Matches(@"(?m)^w\s+3\s+\S+\s*$", get);
        var wide = await OkAsync(["-n", ns, "get", "widgets", "-o", "wide"]);
        Assert.Matches(@"^NAME\s+X\s+COLOR\s+READY\s+AGE\s*\n", wide);
        Assert.Matches(@"(?m)^w\s+3\s+blue\s+\S+\s*$", wide);

        using var watch = _kubectl.Start("-n", ns, "get", "widgets", "-w");
        var header = await watch.WaitForLineAsync(l => l.StartsWith("NAME", StringComparison.Ordinal), Patience, l => _output.WriteLine($"watch: {l}"));
        Assert.True(header is not null, $"no header; stderr: {watch.Stderr}");
        Assert.Matches(@"^NAME\s+X\s+READY\s+AGE\s*$", header);
        var first = await watch.WaitForLineAsync(l => l.StartsWith("w ", StringComparison.Ordinal), Patience, l => _output.WriteLine($"watch: {l}"));
        Assert.True(first is not null, $"the watch never listed w; stderr: {watch.Stderr}");
        Assert.Matches(@"^w\s+3\s+\S+\s*$", first);

        await OkAsync(["-n", ns, "patch", "widget", "w", "--type=merge", "-p", """{"spec":{"x":42}}"""]);
        var changed = await watch.WaitForLineAsync(l => Regex.IsMatch(l, @"^w\s+42\s"), Patience, l => _output.WriteLine($"watch: {l}"));
        Assert.True(changed is not null, $"the watch never showed x=42; stderr: {watch.Stderr}");
    }

    // Item 11: field selectors on get (custom and built-in kinds), and 400 for an unknown field.
    [KubectlFact]
    public async Task Field_selector_metadata_name_returns_one_row_and_an_unknown_field_is_bad_request()
    {
        var ns = await NewNamespaceAsync();
        await CreateWidgetAsync(ns, "one", 1);
        await CreateWidgetAsync(ns, "two", 2);

        var one = await OkAsync(["-n", ns, "get", "widgets", "--field-selector", "metadata.name=one"]);
        var rows = one.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length);
        Assert.Matches(@"^one\s+1\s", rows[1]);
        Assert.Equal("two", await OkAsync(["-n", ns, "get", "widgets", "--field-selector", "metadata.name!=one", "-o", "jsonpath={.items[*].metadata.name}"]));
        Assert.Equal("one two", await OkAsync(["get", "widgets", "-A", "--field-selector", $"metadata.namespace={ns}", "-o", "jsonpath={.items[*].metadata.name}"]));

        var bad = await RunAsync(["-n", ns, "get", "configmaps", "--field-selector", "spec.x=1"]);
        Assert.True(bad.ExitCode != 0, bad.ToString());
        Assert.Contains("Error from server (BadRequest)", bad.Stderr);
        Assert.Contains("\"spec.x\" is not a known field selector", bad.Stderr);
    }

    // Item 32: kubectl explain reads the CRD's descriptions from OpenAPI v3.
    [KubectlFact]
    public async Task Explain_prints_the_crd_field_descriptions()
    {
        var spec = await OkAsync(["explain", "widgets.spec"]);
        Assert.Contains("WidgetSpec is the desired state of a Widget.", spec);
        Assert.Contains("Color of the widget.", spec);
        Assert.Contains("X is a number.", spec);

        var field = await OkAsync(["explain", "widget.spec.color"]);
        Assert.Matches(@"FIELD:\s+color <string>", field);
        Assert.Contains("Color of the widget.", field);
    }

    // Item 22: aggregated discovery. With an empty --cache-dir kubectl needs only GET /api and GET /apis.
    [KubectlFact]
    public async Task Aggregated_discovery_with_a_fresh_cache_needs_only_api_and_apis()
    {
        using var fresh = new Kubectl(_server.KubeconfigPath, _output.WriteLine, "platform");
        var r = await fresh.RunAsync(["get", "configmaps", "-n", "default", "-v=6"], null, Patience);
        Assert.True(r.ExitCode == 0, r.ToString());
        var paths = Regex.Matches(r.Stderr, @"\bGET https://[^/\s]+(/[^?\s]*)").Select(m => m.Groups[1].Value).ToList();
        _output.WriteLine(string.Join("\n", paths));
        var discovery = paths.Where(p => Regex.IsMatch(p, @"^/api(/v1)?$|^/apis(/[^/]+(/[^/]+)?)?$")).ToList();
        Assert.Equal(["/api", "/apis"], discovery.Distinct().Order(StringComparer.Ordinal));
        Assert.Contains("/api/v1/namespaces/default/configmaps", paths);
    }

    [Fact]
    public async Task Aggregated_discovery_has_its_content_type_and_answers_if_none_match_with_304()
    {
        const string accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        using var http = _server.CreateHttpClient();
        foreach (var path in new[] { "/api", "/apis" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Clear();
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
                string.Join(",", response.Content.Headers.GetValues("Content-Type")).Replace(" ", "", StringComparison.Ordinal));
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("APIGroupDiscoveryList", doc.RootElement.GetProperty("kind").GetString());
            var etag = response.Headers.ETag;
            Assert.NotNull(etag);

            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.Accept.Clear();
            again.Headers.TryAddWithoutValidation("Accept", accept);
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await http.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
    }

    // Item 38.
    [KubectlFact]
    public async Task Get_raw_health_endpoints_print_ok()
    {
        Assert.Equal("ok", (await OkAsync(["get", "--raw", "/readyz"])).Trim());
        Assert.Equal("ok", (await OkAsync(["get", "--raw", "/livez"])).Trim());
        Assert.Equal("ok", (await OkAsync(["get", "--raw", "/healthz"])).Trim());
        Assert.Contains("readyz check passed", await OkAsync(["get", "--raw", "/readyz?verbose"]));
    }

    // Item 36: metadata-only lists and objects for metadata informers (built-in and custom kinds).
    [KubectlFact]
    public async Task Partial_object_metadata_accept_returns_metadata_only()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "c", "--from-literal=secretish=value");
        await CreateWidgetAsync(ns, "w", 5);
        using var http = _server.CreateHttpClient();

        async Task<JsonElement> GetAsync(string path, string accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Clear();
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            _output.WriteLine(body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(body).RootElement.Clone();
        }

        foreach (var path in new[] { $"/api/v1/namespaces/{ns}/configmaps", $"/apis/example.com/v1/namespaces/{ns}/widgets" })
        {
            var list = await GetAsync(path, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json");
            Assert.Equal("PartialObjectMetadataList", list.GetProperty("kind").GetString());
            Assert.Equal("meta.k8s.io/v1", list.GetProperty("apiVersion").GetString());
            Assert.False(string.IsNullOrEmpty(list.GetProperty("metadata").GetProperty("resourceVersion").GetString()));
            var item = Assert.Single(list.GetProperty("items").EnumerateArray());
            Assert.Equal("PartialObjectMetadata", item.GetProperty("kind").GetString());
            Assert.True(item.GetProperty("metadata").TryGetProperty("uid", out _));
            Assert.False(item.TryGetProperty("data", out _));
            Assert.False(item.TryGetProperty("spec", out _));
        }

        var one = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/c", "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io");
        Assert.Equal("PartialObjectMetadata", one.GetProperty("kind").GetString());
        Assert.Equal("c", one.GetProperty("metadata").GetProperty("name").GetString());
        Assert.False(one.TryGetProperty("data", out _));
    }

    // Items 10 and 37: fieldValidation=Warn accepts, prunes the unknown field, and kubectl prints the Warning header.
    [KubectlFact]
    public async Task Warn_validation_prints_the_servers_warning_and_strict_is_bad_request()
    {
        var ns = await NewNamespaceAsync();
        string Manifest(string name) => $"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{x: 1, bogus: 1}}\n";

        var create = await RunAsync(["create", "--validate=warn", "-f", "-"], Manifest("created"));
        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Contains("Warning: unknown field \"spec.bogus\"", create.Stderr);
        Assert.Contains("widget.example.com/created created", create.Stdout);

        var apply = await RunAsync(["apply", "--validate=warn", "-f", "-"], Manifest("applied"));
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Contains("Warning: unknown field \"spec.bogus\"", apply.Stderr);
        Assert.Equal("""{"color":"blue","replicas":1,"x":1}""", await OkAsync(["-n", ns, "get", "widget", "applied", "-o", "jsonpath={.spec}"]));

        var strict = await RunAsync(["apply", "-f", "-"], Manifest("strict"));
        Assert.True(strict.ExitCode != 0, strict.ToString());
        Assert.Contains("Error from server (BadRequest)", strict.Stderr);
        Assert.Contains("strict decoding error: unknown field \"spec.bogus\"", strict.Stderr);
        Assert.Contains("NotFound", (await RunAsync(["-n", ns, "get", "widget", "strict"])).Stderr);
    }

    // Items 7 and 8: merge and JSON patch on a custom kind; strategic merge patch (kubectl patch's default) is 415 there.
    [KubectlFact]
    public async Task Custom_kinds_take_merge_and_json_patches_and_refuse_strategic_merge_patch()
    {
        var ns = await NewNamespaceAsync();
        await CreateWidgetAsync(ns, "w", 1);
        Assert.Contains("widget.example.com/w patched", await OkAsync(["-n", ns, "patch", "widget", "w", "--type=merge", "-p", """{"spec":{"x":2}}"""]));
        Assert.Contains("widget.example.com/w patched", await OkAsync(["-n", ns, "patch", "widget", "w", "--type=json", "-p", """[{"op":"replace","path":"/spec/x","value":3}]"""]));
        Assert.Equal("3", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.spec.x}"]));

        var smp = await RunAsync(["-n", ns, "patch", "widget", "w", "-p", """{"spec":{"x":4}}"""]);
        Assert.True(smp.ExitCode != 0, smp.ToString());
        Assert.Contains("application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget", smp.Stderr);
        Assert.Equal("3", await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.spec.x}"]));
    }

    // Items 15 and 28 on a custom kind: finalizers hold deletion, only removals are allowed afterwards; server dry run
    // persists nothing.
    [KubectlFact]
    public async Task Custom_resource_finalizers_and_server_dry_run()
    {
        var ns = await NewNamespaceAsync();
        var yaml = $"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: dry, namespace: {ns}}}\nspec: {{x: 1}}\n";
        Assert.Contains("widget.example.com/dry created (server dry run)", await OkAsync(["apply", "--dry-run=server", "-f", "-"], yaml));
        Assert.Contains("NotFound", (await RunAsync(["-n", ns, "get", "widget", "dry"])).Stderr);

        await CreateWidgetAsync(ns, "w", 1);
        await OkAsync(["-n", ns, "patch", "widget", "w", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold"]}}"""]);
        await OkAsync(["-n", ns, "delete", "widget", "w", "--wait=false"]);
        Assert.False(string.IsNullOrWhiteSpace(await OkAsync(["-n", ns, "get", "widget", "w", "-o", "jsonpath={.metadata.deletionTimestamp}"])));

        var add = await RunAsync(["-n", ns, "patch", "widget", "w", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}"""]);
        Assert.True(add.ExitCode != 0, add.ToString());
        Assert.Contains("no new finalizers can be added if the object is being deleted", add.Stderr);

        await OkAsync(["-n", ns, "patch", "widget", "w", "--type=merge", "-p", """{"metadata":{"finalizers":null}}"""]);
        Assert.Contains("NotFound", (await RunAsync(["-n", ns, "get", "widget", "w"])).Stderr);
    }

    // Item 25: a terminating namespace refuses new content (403), waits for its content, and immortal namespaces stay.
    [KubectlFact]
    public async Task Terminating_namespace_forbids_new_content_and_default_may_not_be_deleted()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "configmap", "held");
        await OkAsync(["-n", ns, "patch", "configmap", "held", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold"]}}"""]);
        await OkAsync(["delete", "namespace", ns, "--wait=false"]);
        Assert.Equal("Terminating", await OkAsync(["get", "namespace", ns, "-o", "jsonpath={.status.phase}"]));

        var create = await RunAsync(["-n", ns, "create", "configmap", "late"]);
        Assert.True(create.ExitCode != 0, create.ToString());
        Assert.Contains("configmaps \"late\" is forbidden", create.Stderr);
        Assert.Contains($"unable to create new content in namespace {ns} because it is being terminated", create.Stderr);

        await OkAsync(["-n", ns, "patch", "configmap", "held", "--type=merge", "-p", """{"metadata":{"finalizers":null}}"""]);
        // kubectl wait prints "condition met" only when it saw the object before it went; both ways exit 0.
        await OkAsync(["wait", "--for=delete", $"namespace/{ns}", "--timeout=120s"]);
        var gone = await RunAsync(["get", "namespace", ns]);
        Assert.True(gone.ExitCode != 0 && gone.Stderr.Contains("NotFound", StringComparison.Ordinal), gone.ToString());

        foreach (var immortal in new[] { "default", "kube-system", "kube-public" })
        {
            var delete = await RunAsync(["delete", "namespace", immortal, "--wait=false"]);
            Assert.True(delete.ExitCode != 0, delete.ToString());
            Assert.Contains($"Error from server (Forbidden): namespaces \"{immortal}\" is forbidden: this namespace may not be deleted", delete.Stderr);
        }
        Assert.Equal("Active", await OkAsync(["get", "namespace", "default", "-o", "jsonpath={.status.phase}"]));
    }

    // Item 34: DELETE on a collection honours the label selector.
    [KubectlFact]
    public async Task Delete_collection_deletes_only_the_selected_objects()
    {
        var ns = await NewNamespaceAsync();
        foreach (var name in new[] { "m1", "m2", "keep" })
        {
            await _kubectl.OkAsync("-n", ns, "create", "configmap", name);
        }
        await OkAsync(["-n", ns, "label", "configmap", "m1", "m2", "a=b"]);
        using var http = _server.CreateHttpClient();
        using var response = await http.DeleteAsync($"/api/v1/namespaces/{ns}/configmaps?labelSelector=a%3Db");
        var body = await response.Content.ReadAsStringAsync();
        _output.WriteLine(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("keep", await OkAsync(["-n", ns, "get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}"]));
    }

    // Item 33: one HTTP/2 connection carries 300 open watches and still serves another request (Kestrel's default
    // limit of 100 streams would queue it forever).
    [Fact]
    public async Task One_http2_connection_carries_300_watches_and_still_serves_a_get()
    {
        const int watches = 300;
        using var http = _server.CreateHttpClient(timeout: TimeSpan.FromMinutes(5));
        http.DefaultRequestVersion = HttpVersion.Version20;
        http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var cts = new CancellationTokenSource();
        var open = new List<HttpResponseMessage>();
        try
        {
            var starts = Enumerable.Range(0, watches).Select(_ =>
                http.GetAsync("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=600", HttpCompletionOption.ResponseHeadersRead, cts.Token)).ToList();
            foreach (var start in starts)
            {
                var response = await start.WaitAsync(Patience);
                open.Add(response);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(new Version(2, 0), response.Version);
            }
            using var get = await http.GetAsync("/api/v1/namespaces/default").WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(new Version(2, 0), get.Version);
        }
        finally
        {
            await cts.CancelAsync();
            foreach (var response in open)
            {
                response.Dispose();
            }
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>Malformed requests over plain HTTPS: each gets a 4xx Status and stores nothing.</summary>
public sealed class BadInputTests : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server;
    private readonly ITestOutputHelper _output;

    public BadInputTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    private HttpClient Http => _server.Http;

    private static string ConfigMapJson(string name, string extra = "") =>
        $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"},"data":{"a":"b"}{{{extra}}}}""";

    private async Task<string> NewNamespaceAsync()
    {
        var ns = ServerFixture.UniqueName("bad");
        using var content = new StringContent($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""", Encoding.UTF8, "application/json");
        using var r = await Http.PostAsync("/api/v1/namespaces", content);
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return ns;
    }

    private async Task<(HttpStatusCode Code, string Body)> SendAsync(HttpMethod method, string path, byte[]? body = null, string? contentType = null)
    {
        using var request = new HttpRequestMessage(method, path);
        // Large bodies: let the server refuse on the headers instead of resetting the connection mid-upload.
        request.Headers.ExpectContinue = body is { Length: > 1024 * 1024 };
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        _output.WriteLine($"{method} {path} ({body?.Length ?? 0} bytes, {contentType}) -> {(int)response.StatusCode}: {(text.Length > 400 ? text[..400] + "..." : text)}");
        return (response.StatusCode, text);
    }

    private Task<(HttpStatusCode Code, string Body)> PostAsync(string path, string body, string contentType = "application/json") =>
        SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>Asserts a Kubernetes Status with the given code and reason; returns its root for further checks.</summary>
    private static JsonElement AssertStatus((HttpStatusCode Code, string Body) r, int code, string reason)
    {
        Assert.Equal(code, (int)r.Code);
        using var doc = JsonDocument.Parse(r.Body);
        var root = doc.RootElement.Clone();
        Assert.Equal("Status", root.GetProperty("kind").GetString());
        Assert.Equal("v1", root.GetProperty("apiVersion").GetString());
        Assert.Equal("Failure", root.GetProperty("status").GetString());
        Assert.Equal(code, root.GetProperty("code").GetInt32());
        Assert.Equal(reason, root.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("message").GetString()));
        return root;
    }

    private async Task AssertNoConfigMapsAsync(string ns)
    {
        var (code, body) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        Assert.Equal(HttpStatusCode.OK, code);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("ConfigMapList", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var ns = await NewNamespaceAsync();
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"""), 400, "BadRequest");
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", "{bad"), 400, "BadRequest");
        await AssertNoConfigMapsAsync(ns);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n")]
    [InlineData("a: : :\n")]
    public async Task Malformed_yaml_is_400(string yaml)
    {
        var ns = await NewNamespaceAsync();
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", yaml, "application/yaml"), 400, "BadRequest");
        await AssertNoConfigMapsAsync(ns);
    }

    [Fact]
    public async Task Malformed_yaml_that_trips_the_yaml_scanner_is_400_not_500()
    {
        var ns = await NewNamespaceAsync();
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n data: : :\n";
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", yaml, "application/yaml"), 400, "BadRequest");
        await AssertNoConfigMapsAsync(ns);
    }

    [Fact]
    public async Task Well_formed_yaml_is_accepted()
    {
        // The control for the test above: the same endpoint takes YAML when it parses.
        var ns = await NewNamespaceAsync();
        var (code, _) = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-ok\ndata:\n  a: b\n", "application/yaml");
        Assert.Equal(HttpStatusCode.Created, code);
    }

    [Fact]
    public async Task Kind_not_matching_the_url_is_400()
    {
        var ns = await NewNamespaceAsync();
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"wrongkind"},"data":{"a":"Yg=="}}"""), 400, "BadRequest");
        await AssertNoConfigMapsAsync(ns);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/wrongkind")).Code);
    }

    [Fact]
    public async Task Unknown_field_with_strict_validation_is_400()
    {
        var ns = await NewNamespaceAsync();
        var status = AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps?fieldValidation=Strict", ConfigMapJson("strict", ",\"bogus\":1")), 400, "BadRequest");
        Assert.Contains("unknown field", status.GetProperty("message").GetString());
        Assert.Contains("bogus", status.GetProperty("message").GetString());
        await AssertNoConfigMapsAsync(ns);
    }

    [Fact]
    public async Task A_4_MiB_body_is_413()
    {
        var ns = await NewNamespaceAsync();
        var big = ConfigMapJson("big").Replace("\"b\"", $"\"{new string('x', 4 * 1024 * 1024)}\"", StringComparison.Ordinal);
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", big), 413, "RequestEntityTooLarge");
        await AssertNoConfigMapsAsync(ns);
    }

    [Fact]
    public async Task Missing_namespace_is_404()
    {
        var ns = ServerFixture.UniqueName("missing");
        var status = AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMapJson("orphan")), 404, "NotFound");
        Assert.Contains(ns, status.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/orphan")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Code);
    }

    [Fact]
    public async Task Invalid_name_is_422_with_a_cause_on_metadata_name()
    {
        var ns = await NewNamespaceAsync();
        var status = AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMapJson("Bad_Name")), 422, "Invalid");
        var details = status.GetProperty("details");
        Assert.Equal("Bad_Name", details.GetProperty("name").GetString());
        Assert.Equal("ConfigMap", details.GetProperty("kind").GetString());
        var causes = details.GetProperty("causes").EnumerateArray().ToList();
        Assert.Contains(causes, c => c.GetProperty("field").GetString() == "metadata.name" && c.GetProperty("reason").GetString() == "FieldValueInvalid");
        await AssertNoConfigMapsAsync(ns);
    }

    [Fact]
    public async Task Unsupported_content_type_is_415()
    {
        var ns = await NewNamespaceAsync();
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMapJson("plain"), "text/plain"), 415, "UnsupportedMediaType");
        await AssertNoConfigMapsAsync(ns);
    }

    [Fact]
    public async Task Bad_label_selector_is_400()
    {
        var ns = await NewNamespaceAsync();
        AssertStatus(await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?labelSelector=a%20in%20("), 400, "BadRequest");
        AssertStatus(await SendAsync(HttpMethod.Get, $"/api/v1/configmaps?labelSelector=%3D%3Dx"), 400, "BadRequest");
    }

    [Theory]
    [InlineData("limit=abc")]
    [InlineData("limit=1e3")]
    [InlineData("fieldSelector=spec.bogus%3Dx")]
    [InlineData("continue=%00garbage")]
    public async Task Garbage_list_parameters_are_400_never_500(string query)
    {
        var ns = await NewNamespaceAsync();
        var r = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?{query}");
        Assert.True((int)r.Code < 500, $"{query}: {(int)r.Code} {r.Body}");
        AssertStatus(r, 400, "BadRequest");
    }

    [Fact]
    public async Task Non_numeric_timeoutSeconds_is_400()
    {
        var ns = await NewNamespaceAsync();
        AssertStatus(await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?timeoutSeconds=abc"), 400, "BadRequest");
    }

    [Fact]
    public async Task Unsupported_resourceVersionMatch_is_422_never_200()
    {
        // kube-apiserver validates ListOptions: resourceVersionMatch: Unsupported value: "Bogus" (422 Invalid).
        var ns = await NewNamespaceAsync();
        AssertStatus(await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?resourceVersionMatch=Bogus&resourceVersion=1"), 422, "Invalid");
    }
}

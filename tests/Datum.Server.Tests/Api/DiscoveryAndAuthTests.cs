using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>Discovery, OpenAPI, authentication and health of a server that serves <see cref="WidgetKind"/>.</summary>
public sealed class DiscoveryAndAuthTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private const string AggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private ApiClient Admin => fixture.Admin;

    [Fact]
    public async Task ApisListsTheWidgetGroup()
    {
        var response = await Admin.GetAsync("/apis");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("APIGroupList", response.Object.Str("kind"));
        var group = Assert.Single(response.Object["groups"]!.AsArray(), g => g.Str("name") == WidgetKind.Group);
        Assert.Equal($"{WidgetKind.Group}/{WidgetKind.Version}", group.Str("preferredVersion.groupVersion"));
        Assert.Contains(group!["versions"]!.AsArray(), v => v.Str("version") == WidgetKind.Version);
    }

    [Fact]
    public async Task GroupVersionListsWidgetsAndTheStatusSubresource()
    {
        var response = await Admin.GetAsync($"/apis/{WidgetKind.Group}/{WidgetKind.Version}");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("APIResourceList", response.Object.Str("kind"));
        Assert.Equal($"{WidgetKind.Group}/{WidgetKind.Version}", response.Object.Str("groupVersion"));
        var resources = response.Object["resources"]!.AsArray();
        var widgets = Assert.Single(resources, r => r.Str("name") == "widgets");
        Assert.Equal("Widget", widgets.Str("kind"));
        Assert.Equal("widget", widgets.Str("singularName"));
        Assert.True(widgets!["namespaced"]!.GetValue<bool>());
        Assert.Equal(["wd"], widgets["shortNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        var verbs = widgets["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
        foreach (var verb in new[] { "create", "delete", "get", "list", "patch", "update", "watch" }) Assert.Contains(verb, verbs);
        Assert.Contains(resources, r => r.Str("name") == "widgets/status");
    }

    [Fact]
    public async Task AggregatedDiscoveryHasItsContentTypeAndAnETagThatRevalidates()
    {
        var response = await Admin.GetAsync("/apis", r => r.Headers.TryAddWithoutValidation("Accept", AggregatedAccept));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var contentType = response.Message.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal);
        Assert.Equal(AggregatedAccept, contentType);
        Assert.Equal("APIGroupDiscoveryList", response.Object.Str("kind"));
        var group = Assert.Single(response.Object["items"]!.AsArray(), g => g.Str("metadata.name") == WidgetKind.Group);
        var version = Assert.Single(group!["versions"]!.AsArray(), v => v.Str("version") == WidgetKind.Version);
        var widgets = Assert.Single(version!["resources"]!.AsArray(), r => r.Str("resource") == "widgets");
        Assert.Equal("Widget", widgets.Str("responseKind.kind"));
        Assert.Contains(widgets!["subresources"]!.AsArray(), s => s.Str("subresource") == "status");

        var etag = response.Message.Headers.ETag;
        Assert.NotNull(etag);
        var again = await Admin.GetAsync("/apis", r =>
        {
            r.Headers.TryAddWithoutValidation("Accept", AggregatedAccept);
            r.Headers.IfNoneMatch.Add(etag);
        });
        Assert.Equal(HttpStatusCode.NotModified, again.Status);
        Assert.Equal("", again.Text);
    }

    [Fact]
    public async Task CoreDiscoveryListsConfigMaps()
    {
        var api = await Admin.GetAsync("/api");
        Assert.Equal(HttpStatusCode.OK, api.Status);
        Assert.Equal("APIVersions", api.Object.Str("kind"));
        Assert.Contains(api.Object["versions"]!.AsArray(), v => v!.GetValue<string>() == "v1");

        var v1 = await Admin.GetAsync("/api/v1");
        Assert.Equal(HttpStatusCode.OK, v1.Status);
        var configMaps = Assert.Single(v1.Object["resources"]!.AsArray(), r => r.Str("name") == "configmaps");
        Assert.Equal("ConfigMap", configMaps.Str("kind"));
        Assert.Contains(configMaps!["shortNames"]!.AsArray(), s => s!.GetValue<string>() == "cm");
    }

    [Fact]
    public async Task OpenApiV3DescribesWidgets()
    {
        var root = await Admin.GetAsync("/openapi/v3");
        Assert.Equal(HttpStatusCode.OK, root.Status);
        var key = $"apis/{WidgetKind.Group}/{WidgetKind.Version}";
        var url = root.Object["paths"]![key].Str("serverRelativeURL");
        Assert.NotNull(url);

        var doc = await Admin.GetAsync(url!);
        Assert.Equal(HttpStatusCode.OK, doc.Status);
        var paths = doc.Object["paths"]!.AsObject();
        var itemPath = $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{{namespace}}/widgets/{{name}}";
        var patch = paths[itemPath]?["patch"] as JsonObject;
        Assert.NotNull(patch);
        Assert.Equal(WidgetKind.Group, patch.Str("x-kubernetes-group-version-kind.group"));
        Assert.Equal("Widget", patch.Str("x-kubernetes-group-version-kind.kind"));
        Assert.Equal(WidgetKind.Version, patch.Str("x-kubernetes-group-version-kind.version"));
        Assert.Contains(patch["parameters"]!.AsArray(), p => p.Str("name") == "fieldValidation");
        var patchTypes = patch["requestBody"]!["content"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("application/merge-patch+json", patchTypes);
        Assert.DoesNotContain("application/strategic-merge-patch+json", patchTypes);
        Assert.NotNull(paths[itemPath + "/status"]);

        var schemas = doc.Object["components"]!["schemas"]!.AsObject();
        // Kubernetes names a component by the reversed group: com.datumapis.example.v1alpha1.Widget.
        var widget = schemas["com.datumapis.example.v1alpha1.Widget"];
        Assert.NotNull(widget);
        var componentGvk = Assert.Single(widget["x-kubernetes-group-version-kind"]!.AsArray());
        Assert.Equal(WidgetKind.Group, componentGvk.Str("group"));
        Assert.Equal("Widget", componentGvk.Str("kind"));
        var spec = widget!["properties"]!["spec"]!["properties"]!.AsObject();
        Assert.Equal(["color", "replicas", "tags"], spec.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("integer", spec["replicas"].Str("type"));
        Assert.Equal(0, spec["replicas"]!["minimum"]!.GetValue<double>());
        Assert.Equal(["red", "green", "blue"], spec["color"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("string", spec["tags"]!["additionalProperties"].Str("type"));
        var status = widget["properties"]!["status"]!["properties"]!.AsObject();
        Assert.Equal(["observedGeneration", "ready"], status.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AggregatedCoreDiscoveryListsConfigMaps()
    {
        var response = await Admin.GetAsync("/api", r => r.Headers.TryAddWithoutValidation("Accept", AggregatedAccept + ",application/json"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("APIGroupDiscoveryList", response.Object.Str("kind"));
        var core = Assert.Single(response.Object["items"]!.AsArray());
        var v1 = Assert.Single(core!["versions"]!.AsArray(), v => v.Str("version") == "v1");
        Assert.Contains(v1!["resources"]!.AsArray(), r => r.Str("resource") == "configmaps");
    }

    [Fact]
    public async Task OpenApiGroupVersionDocumentRevalidatesByETag()
    {
        var root = await Admin.GetAsync("/openapi/v3");
        var url = root.Object["paths"]![$"apis/{WidgetKind.Group}/{WidgetKind.Version}"].Str("serverRelativeURL")!;
        var doc = await Admin.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, doc.Status);
        var etag = doc.Message.Headers.ETag;
        Assert.NotNull(etag);
        var again = await Admin.GetAsync(url, r => r.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, again.Status);
    }

    [Fact]
    public async Task OpenApiV2IsNotServed()
    {
        var response = await Admin.GetAsync("/openapi/v2");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
    }

    [Fact]
    public async Task NoCredentialsIsUnauthorizedStatus()
    {
        using var anonymous = fixture.CreateClient();
        var response = await anonymous.GetAsync($"/apis/{WidgetKind.Group}/{WidgetKind.Version}/widgets");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Status", response.Object.Str("kind"));
        Assert.Equal("Failure", response.Object.Str("status"));
        Assert.Equal("Unauthorized", response.Object.Str("reason"));
        Assert.Equal(401, response.Object.Long("code"));
    }

    [Fact]
    public async Task AdminBearerTokenIsAccepted()
    {
        using var client = fixture.CreateClient(bearerToken: fixture.Server.Credentials.AdminToken);
        var response = await client.GetAsync($"/apis/{WidgetKind.Group}/{WidgetKind.Version}/widgets");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("WidgetList", response.Object.Str("kind"));
    }

    [Fact]
    public async Task WrongBearerTokenIsUnauthorized()
    {
        using var client = fixture.CreateClient(bearerToken: "not-the-token");
        var response = await client.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Status", response.Object.Str("kind"));
    }

    [Fact]
    public async Task HealthEndpointsNeedNoCredentials()
    {
        using var anonymous = fixture.CreateClient();
        var healthz = await anonymous.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.Status);
        Assert.Equal("ok", healthz.Text);

        var readyz = await anonymous.GetAsync("/readyz?verbose");
        Assert.Equal(HttpStatusCode.OK, readyz.Status);
        Assert.Contains("[+]ping ok", readyz.Text, StringComparison.Ordinal);
        Assert.Contains("readyz check passed", readyz.Text, StringComparison.Ordinal);
    }
}

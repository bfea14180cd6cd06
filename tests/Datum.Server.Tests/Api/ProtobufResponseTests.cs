using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Datum.Machinery.Protobuf;

namespace Datum.Server.Tests.Api;

/// <summary>Protobuf responses for client-go typed clients, over HTTPS.</summary>
public sealed class ProtobufResponseTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    // What client-go typed clients (and so kubectl create/auth) send.
    private const string TypedAccept = "application/vnd.kubernetes.protobuf,application/json";
    private const string Protobuf = "application/vnd.kubernetes.protobuf";

    private ApiClient Admin => fixture.Admin;

    private async Task<(HttpStatusCode Status, string? ContentType, byte[] Body)> SendAsync(
        HttpMethod method, string path, string accept = TypedAccept, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        using var response = await Admin.Http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
    }

    private static JsonObject ConfigMap(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { ["app"] = "web", ["tier"] = "front" },
            ["annotations"] = new JsonObject { ["note"] = "line1\nline2" },
        },
        ["data"] = new JsonObject { ["a"] = "b", ["empty"] = "" },
        ["binaryData"] = new JsonObject { ["blob"] = "AAEC/w==" },
    };

    private static void AssertSame(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");

    [Fact]
    public async Task GetAnswersProtobufThatDecodesToTheJsonObject()
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var created = await Admin.SendAsync(HttpMethod.Post, path + "?fieldManager=tests", ConfigMap("game"));
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var json = await Admin.GetAsync($"{path}/game");
        var (status, contentType, body) = await SendAsync(HttpMethod.Get, $"{path}/game");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Protobuf, contentType);
        Assert.True(KubernetesProtobuf.HasMagic(body));
        Assert.NotNull(json.Object["metadata"]?["managedFields"]);
        AssertSame(json.Object, KubernetesProtobuf.Decode(body));
    }

    [Fact]
    public async Task ListAnswersProtobufThatDecodesToTheJsonList()
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        foreach (var name in new[] { "one", "two", "three" })
        {
            Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync(path, ConfigMap(name))).Status);
        }

        var json = (await Admin.GetAsync(path)).Object;
        var (status, contentType, body) = await SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Protobuf, contentType);
        var decoded = KubernetesProtobuf.Decode(body);
        // Protobuf list items carry no TypeMeta.
        foreach (var item in json["items"]!.AsArray().OfType<JsonObject>())
        {
            item.Remove("apiVersion");
            item.Remove("kind");
        }
        Assert.Equal(3, decoded["items"]!.AsArray().Count);
        AssertSame(json, decoded);

        // A page keeps its continue token.
        var (_, _, page) = await SendAsync(HttpMethod.Get, path + "?limit=2");
        var first = KubernetesProtobuf.Decode(page);
        Assert.Equal(2, first["items"]!.AsArray().Count);
        Assert.False(string.IsNullOrEmpty(first["metadata"]?["continue"]?.GetValue<string>()));
    }

    [Fact]
    public async Task WritesAnswerProtobufToo()
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps";

        var create = await SendAsync(HttpMethod.Post, path, body: ConfigMap("w"));
        Assert.Equal(HttpStatusCode.Created, create.Status);
        Assert.Equal(Protobuf, create.ContentType);
        var created = KubernetesProtobuf.Decode(create.Body);
        Assert.Equal("b", created["data"]!["a"]!.GetValue<string>());

        created["data"]!["a"] = "c";
        var update = await SendAsync(HttpMethod.Put, $"{path}/w", body: created);
        Assert.Equal(HttpStatusCode.OK, update.Status);
        Assert.Equal(Protobuf, update.ContentType);
        Assert.Equal("c", KubernetesProtobuf.Decode(update.Body)["data"]!["a"]!.GetValue<string>());

        var patch = await SendAsync(HttpMethod.Patch, $"{path}/w", body: new JsonObject { ["data"] = new JsonObject { ["a"] = "d" } }, contentType: "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        Assert.Equal(Protobuf, patch.ContentType);
        Assert.Equal("d", KubernetesProtobuf.Decode(patch.Body)["data"]!["a"]!.GetValue<string>());

        var delete = await SendAsync(HttpMethod.Delete, $"{path}/w");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.Equal(Protobuf, delete.ContentType);
        Assert.Equal("w", KubernetesProtobuf.Decode(delete.Body)["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReviewsAnswerProtobuf()
    {
        var review = new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["kind"] = "SelfSubjectAccessReview",
            ["spec"] = new JsonObject { ["resourceAttributes"] = new JsonObject { ["verb"] = "list", ["resource"] = "configmaps", ["namespace"] = "default" } },
        };
        var (status, contentType, body) = await SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: review);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(Protobuf, contentType);
        var decoded = KubernetesProtobuf.Decode(body);
        Assert.Equal("SelfSubjectAccessReview", decoded["kind"]!.GetValue<string>());
        Assert.True(decoded["status"]!["allowed"]!.GetValue<bool>());

        var whoami = await SendAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            body: new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" });
        Assert.Equal(HttpStatusCode.Created, whoami.Status);
        Assert.Equal(Protobuf, whoami.ContentType);
        Assert.False(string.IsNullOrEmpty(KubernetesProtobuf.Decode(whoami.Body)["status"]?["userInfo"]?["username"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json,application/vnd.kubernetes.protobuf")]
    [InlineData("*/*")]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")]
    [InlineData("application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json")]
    public async Task OtherAcceptsStayJson(string accept)
    {
        var ns = await fixture.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync(path, ConfigMap("j"))).Status);
        var (status, contentType, body) = await SendAsync(HttpMethod.Get, $"{path}/j", accept);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", contentType);
        Assert.Equal((byte)'{', body[0]);
    }

    [Fact]
    public async Task KindsWithoutASchemaAndErrorsStayJson()
    {
        var ns = await fixture.NewNamespaceAsync();
        var events = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/events");
        Assert.Equal(HttpStatusCode.OK, events.Status);
        Assert.Equal("application/json", events.ContentType);

        var missing = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("application/json", missing.ContentType);
        Assert.Equal("Status", JsonNode.Parse(missing.Body)!["kind"]!.GetValue<string>());
    }
}

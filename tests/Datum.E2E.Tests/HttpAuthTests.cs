using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>Authentication over plain HTTPS: the admin bearer token works, a bad one is a 401 Status.</summary>
public sealed class HttpAuthTests : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server;
    private readonly ITestOutputHelper _output;

    public HttpAuthTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Fact]
    public async Task Admin_token_authenticates_as_admin()
    {
        var token = (await File.ReadAllTextAsync(Path.Combine(_server.PkiDir, "admin.token"))).Trim();
        using var http = _server.CreateHttpClient(withClientCertificate: false);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var review = await http.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", Encoding.UTF8, "application/json"));
        var body = await review.Content.ReadAsStringAsync();
        _output.WriteLine(body);
        Assert.Equal(HttpStatusCode.Created, review.StatusCode);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("admin", doc.RootElement.GetProperty("status").GetProperty("userInfo").GetProperty("username").GetString());
    }

    [Fact]
    public async Task Bad_bearer_token_is_a_401_status()
    {
        using var http = _server.CreateHttpClient(withClientCertificate: false);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bad");
        using var r = await http.GetAsync("/api/v1/namespaces/default/configmaps");
        var body = await r.Content.ReadAsStringAsync();
        _output.WriteLine(body);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("Status", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("Unauthorized", doc.RootElement.GetProperty("reason").GetString());
        Assert.Equal(401, doc.RootElement.GetProperty("code").GetInt32());
    }
}

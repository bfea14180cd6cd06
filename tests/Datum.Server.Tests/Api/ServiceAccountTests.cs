using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Security;
using Datum.Server.Tests.Security;

namespace Datum.Server.Tests.Api;

/// <summary>ServiceAccounts, TokenRequest, service-account JWT authentication and impersonation over HTTPS.</summary>
public sealed class ServiceAccountTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    private const string WhoAmIPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

    private ApiClient Admin => fixture.Admin;

    private static JsonObject WhoAmIBody => new() { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" };

    private static JsonObject TokenRequest(long? expirationSeconds = null, params string[] audiences)
    {
        var spec = new JsonObject();
        if (expirationSeconds is { } seconds) spec["expirationSeconds"] = seconds;
        if (audiences.Length > 0) spec["audiences"] = new JsonArray(audiences.Select(a => (JsonNode?)a).ToArray());
        return new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenRequest", ["spec"] = spec };
    }

    private async Task<(string Ns, string Uid)> NewServiceAccountAsync(string name)
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        return (ns, created.Object.Str("metadata.uid")!);
    }

    private async Task<string> RequestTokenAsync(string ns, string name, JsonObject? body = null)
    {
        var response = await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token", body ?? TokenRequest());
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Object.Str("status.token")!;
    }

    private async Task<ApiResponse> WhoAmIAsync(string token)
    {
        using var client = fixture.CreateClient(bearerToken: token);
        return await client.PostAsync(WhoAmIPath, WhoAmIBody);
    }

    private static JsonObject DecodeSegment(string token, int index) =>
        (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[index]))!;

    private async Task<ServiceAccountTokens> CraftingIssuerAsync(TimeProvider time) =>
        new(await ServiceAccountSigningKey.LoadOrCreateAsync(fixture.Server.Credentials.PkiDirectory, CancellationToken.None), time);

    [Fact]
    public async Task NewNamespacesGetADefaultServiceAccount()
    {
        var ns = await fixture.NewNamespaceAsync();
        ApiResponse response;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            response = await Admin.GetAsync($"/api/v1/namespaces/{ns}/serviceaccounts/default");
            if (response.Status == HttpStatusCode.OK) break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("ServiceAccount", response.Object.Str("kind"));

        // Deleting it brings it back (with a new uid).
        var uid = response.Object.Str("metadata.uid");
        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"/api/v1/namespaces/{ns}/serviceaccounts/default")).Status);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            response = await Admin.GetAsync($"/api/v1/namespaces/{ns}/serviceaccounts/default");
            if (response.Status == HttpStatusCode.OK && response.Object.Str("metadata.uid") != uid) break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.NotEqual(uid, response.Object.Str("metadata.uid"));
    }

    [Fact]
    public async Task DiscoveryListsServiceAccountsAndTheTokenSubresource()
    {
        var v1 = await Admin.GetAsync("/api/v1");
        var resources = v1.Object["resources"]!.AsArray();
        var sa = Assert.Single(resources, r => r.Str("name") == "serviceaccounts");
        Assert.Equal("ServiceAccount", sa.Str("kind"));
        Assert.Contains(sa!["shortNames"]!.AsArray(), s => s!.GetValue<string>() == "sa");
        var token = Assert.Single(resources, r => r.Str("name") == "serviceaccounts/token");
        Assert.Equal("TokenRequest", token.Str("kind"));
        Assert.Equal(["create"], token!["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task StrategicMergePatchMergesSecretsByName()
    {
        var (ns, _) = await NewServiceAccountAsync("patched");
        var path = $"/api/v1/namespaces/{ns}/serviceaccounts/patched";
        Assert.Equal(HttpStatusCode.OK, (await Admin.StrategicPatchAsync(path, Json.Obj("""{"secrets":[{"name":"a"}],"automountServiceAccountToken":false}"""))).Status);
        var patched = await Admin.StrategicPatchAsync(path, Json.Obj("""{"secrets":[{"name":"b"}],"imagePullSecrets":[{"name":"pull"}]}"""));
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(["a", "b"], patched.Object["secrets"]!.AsArray().Select(s => s.Str("name")).Order());
        Assert.Equal("pull", patched.Object["imagePullSecrets"]![0].Str("name"));
        Assert.False(patched.Object["automountServiceAccountToken"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TokenRequestAnswersWithASignedJwtCarryingTheKubernetesClaims()
    {
        var (ns, uid) = await NewServiceAccountAsync("robot");
        var response = await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token", TokenRequest());
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("TokenRequest", response.Object.Str("kind"));
        Assert.Equal("authentication.k8s.io/v1", response.Object.Str("apiVersion"));
        Assert.Equal(3600, response.Object.Long("spec.expirationSeconds"));
        Assert.Equal(ServiceAccountTokens.DefaultIssuer, response.Object["spec"]!["audiences"]![0]!.GetValue<string>());
        var token = response.Object.Str("status.token")!;
        var expiration = DateTimeOffset.Parse(response.Object.Str("status.expirationTimestamp")!, System.Globalization.CultureInfo.InvariantCulture);

        var header = DecodeSegment(token, 0);
        Assert.Equal("ES256", header.Str("alg"));
        Assert.False(string.IsNullOrEmpty(header.Str("kid")));
        var claims = DecodeSegment(token, 1);
        Assert.Equal(ServiceAccountTokens.DefaultIssuer, claims.Str("iss"));
        Assert.Equal($"system:serviceaccount:{ns}:robot", claims.Str("sub"));
        Assert.Equal(ServiceAccountTokens.DefaultIssuer, claims["aud"]![0]!.GetValue<string>());
        Assert.Equal(3600, claims.Long("exp") - claims.Long("iat"));
        Assert.Equal(claims.Long("iat"), claims.Long("nbf"));
        Assert.Equal(expiration.ToUnixTimeSeconds(), claims.Long("exp"));
        Assert.False(string.IsNullOrEmpty(claims.Str("jti")));
        var k8s = claims["kubernetes.io"];
        Assert.Equal(ns, k8s.Str("namespace"));
        Assert.Equal("robot", k8s.Str("serviceaccount.name"));
        Assert.Equal(uid, k8s.Str("serviceaccount.uid"));
    }

    [Fact]
    public async Task TheTokenAuthenticatesAsTheServiceAccount()
    {
        var (ns, uid) = await NewServiceAccountAsync("robot");
        var token = await RequestTokenAsync(ns, "robot");

        var whoami = await WhoAmIAsync(token);
        Assert.Equal(HttpStatusCode.Created, whoami.Status);
        Assert.Equal($"system:serviceaccount:{ns}:robot", whoami.Object.Str("status.userInfo.username"));
        Assert.Equal(uid, whoami.Object.Str("status.userInfo.uid"));
        Assert.Equal(
            ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"],
            whoami.Object["status"]!["userInfo"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.StartsWith("JTI=", whoami.Object["status"]!["userInfo"]!["extra"]![ServiceAccountTokenAuthenticator.CredentialIdExtra]![0]!.GetValue<string>(), StringComparison.Ordinal);

        using var client = fixture.CreateClient(bearerToken: token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/namespaces/{ns}/configmaps")).Status);
    }

    [Fact]
    public async Task ATamperedTokenIsUnauthorized()
    {
        var (ns, _) = await NewServiceAccountAsync("robot");
        var token = await RequestTokenAsync(ns, "robot");
        var parts = token.Split('.');

        // A flipped signature byte.
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync($"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}")).Status);

        // Claims rewritten to another account, original signature kept.
        var claims = DecodeSegment(token, 1);
        claims["sub"] = $"system:serviceaccount:{ns}:default";
        claims["kubernetes.io"]!["serviceaccount"]!["name"] = "default";
        var forged = $"{parts[0]}.{Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";
        var response = await WhoAmIAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Unauthorized", response.Object.Str("reason"));

        // alg=none with no signature.
        var none = Base64Url.EncodeToString("""{"alg":"none"}"""u8) + "." + parts[1] + ".";
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(none)).Status);

        // Signed by another key.
        using var otherKey = ServiceAccountSigningKey.CreateEphemeral();
        var other = new ServiceAccountTokens(otherKey, TimeProvider.System).Issue(new ServiceAccountTokenSpec(ns, "robot", claims["kubernetes.io"].Str("serviceaccount.uid")!, [], TimeSpan.FromHours(1)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(other.Token)).Status);
    }

    [Fact]
    public async Task AnExpiredTokenIsUnauthorized()
    {
        var (ns, uid) = await NewServiceAccountAsync("robot");
        var spec = new ServiceAccountTokenSpec(ns, "robot", uid, [], TimeSpan.FromMinutes(10));

        // Crafted with the server's key now: accepted (so the crafting itself is sound)...
        var fresh = (await CraftingIssuerAsync(TimeProvider.System)).Issue(spec);
        Assert.Equal(HttpStatusCode.Created, (await WhoAmIAsync(fresh.Token)).Status);

        // ...and issued two hours ago with a ten-minute lifetime: expired, well past the leeway.
        var expired = (await CraftingIssuerAsync(new ShiftedTimeProvider(TimeSpan.FromHours(-2)))).Issue(spec);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(expired.Token)).Status);

        // Not yet valid: issued an hour from now.
        var future = (await CraftingIssuerAsync(new ShiftedTimeProvider(TimeSpan.FromHours(1)))).Issue(spec);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(future.Token)).Status);
    }

    [Fact]
    public async Task DeletingTheServiceAccountRevokesItsTokens()
    {
        var (ns, _) = await NewServiceAccountAsync("robot");
        var token = await RequestTokenAsync(ns, "robot");
        Assert.Equal(HttpStatusCode.Created, (await WhoAmIAsync(token)).Status);

        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(token)).Status);

        // A new account with the same name has a new uid: the old token stays revoked.
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "robot" } })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(token)).Status);
        Assert.Equal(HttpStatusCode.Created, (await WhoAmIAsync(await RequestTokenAsync(ns, "robot"))).Status);
    }

    [Fact]
    public async Task ATokenBoundToASecretDiesWithTheSecret()
    {
        var (ns, _) = await NewServiceAccountAsync("robot");
        var secret = await Admin.PostAsync($"/api/v1/namespaces/{ns}/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "anchor" } });
        Assert.Equal(HttpStatusCode.Created, secret.Status);
        var body = TokenRequest();
        body["spec"]!["boundObjectRef"] = new JsonObject { ["kind"] = "Secret", ["apiVersion"] = "v1", ["name"] = "anchor" };
        var token = await RequestTokenAsync(ns, "robot", body);
        Assert.Equal(secret.Object.Str("metadata.uid"), DecodeSegment(token, 1)["kubernetes.io"].Str("secret.uid"));
        Assert.Equal(HttpStatusCode.Created, (await WhoAmIAsync(token)).Status);

        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"/api/v1/namespaces/{ns}/secrets/anchor")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(token)).Status);

        var pod = TokenRequest();
        pod["spec"]!["boundObjectRef"] = new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["name"] = "p" };
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token", pod)).Status);
    }

    [Fact]
    public async Task ExpirationSecondsIsCheckedAndHonoured()
    {
        var (ns, _) = await NewServiceAccountAsync("robot");
        var path = $"/api/v1/namespaces/{ns}/serviceaccounts/robot/token";

        var tooShort = await Admin.PostAsync(path, TokenRequest(599));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooShort.Status);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Object.Str("message"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Admin.PostAsync(path, TokenRequest(-5))).Status);

        var minimum = await Admin.PostAsync(path, TokenRequest(600));
        Assert.Equal(HttpStatusCode.Created, minimum.Status);
        var claims = DecodeSegment(minimum.Object.Str("status.token")!, 1);
        Assert.Equal(600, claims.Long("exp") - claims.Long("iat"));
    }

    [Fact]
    public async Task TokensForOtherAudiencesAreNotAcceptedByTheApiServer()
    {
        var (ns, _) = await NewServiceAccountAsync("robot");
        var response = await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token", TokenRequest(null, "vault", "vault"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(["vault"], response.Object["spec"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
        var token = response.Object.Str("status.token")!;
        Assert.Equal("vault", DecodeSegment(token, 1)["aud"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(token)).Status);

        var both = await RequestTokenAsync(ns, "robot", TokenRequest(null, "vault", ServiceAccountTokens.DefaultIssuer));
        Assert.Equal(HttpStatusCode.Created, (await WhoAmIAsync(both)).Status);
    }

    [Fact]
    public async Task TokenRequestErrors()
    {
        var (ns, _) = await NewServiceAccountAsync("robot");
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/ghost/token", TokenRequest())).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Admin.GetAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token")).Status);
        var wrongKind = await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token", Json.Obj("""{"apiVersion":"v1","kind":"ConfigMap"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.Status);
        var badAudiences = await Admin.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token", Json.Obj("""{"spec":{"audiences":"x"}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badAudiences.Status);
    }

    [Fact]
    public async Task AdminCanImpersonateAUserWithGroups()
    {
        var response = await Admin.SendAsync(HttpMethod.Post, WhoAmIPath, WhoAmIBody, configure: r =>
        {
            r.Headers.Add("Impersonate-User", "jane");
            r.Headers.Add("Impersonate-Group", "devs");
            r.Headers.Add("Impersonate-Uid", "u-1");
            r.Headers.Add("Impersonate-Extra-Scopes", "read");
        });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        var info = response.Object["status"]!["userInfo"]!;
        Assert.Equal("jane", info.Str("username"));
        Assert.Equal("u-1", info.Str("uid"));
        // HttpClient folds repeated headers into one line; kubectl's separate headers are covered end to end.
        Assert.Equal(["devs", "system:authenticated"], info["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.Equal(["read"], info["extra"]!["scopes"]!.AsArray().Select(g => g!.GetValue<string>()));
    }

    [Fact]
    public async Task ImpersonatingAServiceAccountGivesItsGroups()
    {
        var response = await Admin.SendAsync(HttpMethod.Post, WhoAmIPath, WhoAmIBody, configure: r => r.Headers.Add("Impersonate-User", "system:serviceaccount:team:bot"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(
            ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
            response.Object["status"]!["userInfo"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
    }

    [Fact]
    public async Task ImpersonatingGroupsWithoutAUserIsABadRequest()
    {
        var response = await Admin.SendAsync(HttpMethod.Post, WhoAmIPath, WhoAmIBody, configure: r => r.Headers.Add("Impersonate-Group", "devs"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("without impersonating a user", response.Object.Str("message"), StringComparison.Ordinal);
    }
}

using System.Buffers.Text;
using System.Text;
using Datum.Machinery.Api;
using Datum.Server.Authorization;
using Datum.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Tests.Security;

/// <summary>The signing key file, token signing and verification, and impersonation decisions.</summary>
public sealed class ServiceAccountTokensTests
{
    private static readonly ServiceAccountTokenSpec Spec = new("ns", "robot", "uid-1", [], TimeSpan.FromMinutes(10));

    [Fact]
    public async Task TheSigningKeyIsCreatedOncePrivateAndReused()
    {
        using var dir = new TempDirectory();
        using var first = await ServiceAccountSigningKey.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        var path = Path.Combine(dir.Path, ServiceAccountSigningKey.FileName);
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(AtomicFile.PrivateMode, File.GetUnixFileMode(path));
        }

        Assert.Contains("BEGIN PRIVATE KEY", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        using var second = await ServiceAccountSigningKey.LoadOrCreateAsync(dir.Path, CancellationToken.None);
        Assert.Equal(first.KeyId, second.KeyId);

        // A token signed before a "restart" verifies after it.
        var token = new ServiceAccountTokens(first, TimeProvider.System).Issue(Spec).Token;
        Assert.NotNull(new ServiceAccountTokens(second, TimeProvider.System).Validate(token));
    }

    [Fact]
    public async Task AnUnreadableKeyIsAnErrorNotReplaced()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, ServiceAccountSigningKey.FileName);
        await File.WriteAllTextAsync(path, "garbage");
        await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceAccountSigningKey.LoadOrCreateAsync(dir.Path, CancellationToken.None));
        Assert.Equal("garbage", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public void ValidationHonoursExpiryWithASmallLeeway()
    {
        using var key = ServiceAccountSigningKey.CreateEphemeral();
        var issued = new ServiceAccountTokens(key, TimeProvider.System).Issue(Spec);
        var claims = new ServiceAccountTokens(key, TimeProvider.System).Validate(issued.Token);
        Assert.NotNull(claims);
        Assert.Equal("system:serviceaccount:ns:robot", claims.UserName);
        Assert.Equal("uid-1", claims.Uid);

        // Within the leeway past expiry: still accepted; beyond it: rejected.
        Assert.NotNull(new ServiceAccountTokens(key, new ShiftedTimeProvider(TimeSpan.FromMinutes(10.5))).Validate(issued.Token));
        Assert.Null(new ServiceAccountTokens(key, new ShiftedTimeProvider(TimeSpan.FromMinutes(12))).Validate(issued.Token));
        Assert.Null(new ServiceAccountTokens(key, new ShiftedTimeProvider(TimeSpan.FromMinutes(-5))).Validate(issued.Token));
    }

    [Fact]
    public void IssuerAudienceAndShapeAreChecked()
    {
        using var key = ServiceAccountSigningKey.CreateEphemeral();
        var tokens = new ServiceAccountTokens(key, TimeProvider.System);
        var token = tokens.Issue(Spec).Token;
        Assert.Null(new ServiceAccountTokens(key, TimeProvider.System, issuer: "https://elsewhere").Validate(token));
        Assert.Null(tokens.Validate(tokens.Issue(Spec with { Audiences = ["other"] }).Token));
        Assert.NotNull(new ServiceAccountTokens(key, TimeProvider.System, apiAudiences: ["other"]).Validate(tokens.Issue(Spec with { Audiences = ["other"] }).Token));

        foreach (var bad in new[] { "", "a", "a.b", "a.b.c", "..", token + ".x", token[..^1], "!!!.!!!.!!!" })
        {
            Assert.Null(tokens.Validate(bad));
        }

        // The kid must be ours when present.
        var parts = token.Split('.');
        var wrongKid = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("""{"alg":"ES256","kid":"nope"}"""));
        var resigned = $"{wrongKid}.{parts[1]}";
        var signature = key.Key.SignData(Encoding.ASCII.GetBytes(resigned), System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Null(tokens.Validate($"{resigned}.{Base64Url.EncodeToString(signature)}"));
    }

    private sealed class DenyingAuthorizer(string deniedResource) : IAuthorizer
    {
        public ValueTask<AuthorizationDecision> AuthorizeAsync(UserInfo user, AuthorizationAttributes attributes, CancellationToken cancellationToken) =>
            ValueTask.FromResult(attributes.Resource == deniedResource ? AuthorizationDecision.Deny("") : AuthorizationDecision.Allow(""));
    }

    private static HttpRequest Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var group in headers.GroupBy(h => h.Name))
        {
            context.Request.Headers[group.Key] = group.Select(h => h.Value).ToArray();
        }

        return context.Request;
    }

    [Fact]
    public async Task ImpersonationNeedsPermissionForEachAttribute()
    {
        var caller = new UserInfo("x", null, ["system:authenticated"]);
        var users = await Assert.ThrowsAsync<ApiException>(async () =>
            await Impersonation.ApplyAsync(Request(("Impersonate-User", "jane")), caller, new DenyingAuthorizer("users"), CancellationToken.None));
        Assert.Equal(403, users.Code);
        Assert.Equal("users \"jane\" is forbidden: User \"x\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", users.Message);

        var groups = await Assert.ThrowsAsync<ApiException>(async () =>
            await Impersonation.ApplyAsync(Request(("Impersonate-User", "jane"), ("Impersonate-Group", "devs")), caller, new DenyingAuthorizer("groups"), CancellationToken.None));
        Assert.Equal("groups \"devs\" is forbidden: User \"x\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope", groups.Message);

        var accounts = await Assert.ThrowsAsync<ApiException>(async () =>
            await Impersonation.ApplyAsync(Request(("Impersonate-User", "system:serviceaccount:team:bot")), caller, new DenyingAuthorizer("serviceaccounts"), CancellationToken.None));
        Assert.Equal("serviceaccounts \"bot\" is forbidden: User \"x\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"team\"", accounts.Message);

        var extras = await Assert.ThrowsAsync<ApiException>(async () =>
            await Impersonation.ApplyAsync(Request(("Impersonate-User", "jane"), ("Impersonate-Extra-Scopes", "read")), caller, new DenyingAuthorizer("userextras"), CancellationToken.None));
        Assert.Equal("userextras.authentication.k8s.io \"read\" is forbidden: User \"x\" cannot impersonate resource \"userextras/scopes\" in API group \"authentication.k8s.io\" at the cluster scope", extras.Message);

        var uids = await Assert.ThrowsAsync<ApiException>(async () =>
            await Impersonation.ApplyAsync(Request(("Impersonate-User", "jane"), ("Impersonate-Uid", "u1")), caller, new DenyingAuthorizer("uids"), CancellationToken.None));
        Assert.Equal(403, uids.Code);

        // No headers: the caller unchanged; with permission: the impersonated user.
        Assert.Same(caller, await Impersonation.ApplyAsync(Request(), caller, new DenyingAuthorizer("users"), CancellationToken.None));
        var jane = await Impersonation.ApplyAsync(Request(("Impersonate-User", "jane"), ("Impersonate-Group", "devs")), caller, new DenyingAuthorizer("none"), CancellationToken.None);
        Assert.Equal("jane", jane.Name);
        Assert.Equal(["devs", "system:authenticated"], jane.Groups);
    }
}

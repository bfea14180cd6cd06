using Datum.Server.Security;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary><c>kubectl create sa</c>, <c>kubectl create token</c>, <c>auth whoami</c> with the token, and <c>--as</c>.</summary>
public sealed class ServiceAccountKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly ITestOutputHelper _output;
    private readonly Kubectl _kubectl;
    private readonly List<Kubectl> _others = [];

    public ServiceAccountKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose()
    {
        _kubectl.Dispose();
        foreach (var other in _others)
        {
            other.Dispose();
        }
    }

    private async Task<string> NewNamespaceAsync()
    {
        var ns = ServerFixture.UniqueName("sa");
        await _kubectl.OkAsync("create", "namespace", ns);
        return ns;
    }

    /// <summary>
    /// A kubectl whose kubeconfig holds only the server, the CA and <paramref name="token"/>. The server is the admin
    /// kubeconfig's current control plane (the default project): a token is accepted only in its own plane.
    /// </summary>
    private Kubectl TokenOnly(string token)
    {
        var path = Path.Combine(_kubectl.CacheDir, $"token-{Guid.NewGuid():N}.kubeconfig");
        var server = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(_server.KubeconfigPath), @"server: ""?([^""\n]+)""?")
            .Select(m => m.Groups[1].Value).FirstOrDefault(u => u.Contains("/control-plane", StringComparison.Ordinal)) ?? _server.Url.ToString().TrimEnd('/');
        File.WriteAllText(path, KubeconfigWriter.Render(new KubeconfigSpec
        {
            Server = server,
            CertificateAuthorityPem = File.ReadAllText(Path.Combine(_server.PkiDir, "ca.crt")),
            Token = token,
            UserName = "token-user",
            ContextName = "token",
        }));
        var kubectl = new Kubectl(path, _output.WriteLine);
        _others.Add(kubectl);
        return kubectl;
    }

    [KubectlFact]
    public async Task Create_sa_then_token_then_whoami_with_the_token()
    {
        var ns = await NewNamespaceAsync();
        Assert.Contains("serviceaccount/sa1 created", await _kubectl.OkAsync("-n", ns, "create", "sa", "sa1"));
        Assert.Matches(@"(?m)^sa1\s", await _kubectl.OkAsync("-n", ns, "get", "sa"));

        var token = (await _kubectl.OkAsync("-n", ns, "create", "token", "sa1")).Trim();
        Assert.Equal(3, token.Split('.').Length);

        var whoami = await TokenOnly(token).OkAsync("auth", "whoami");
        _output.WriteLine(whoami);
        Assert.Matches($@"(?m)^Username\s+system:serviceaccount:{ns}:sa1\s*$", whoami);
        Assert.Contains($"system:serviceaccounts:{ns}", whoami, StringComparison.Ordinal);

        // --token on the admin kubeconfig: the token wins over the client certificate.
        var withFlag = await _kubectl.OkAsync("--token", token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
        Assert.Equal($"system:serviceaccount:{ns}:sa1", withFlag.Trim());

        // IAM: a service account may do nothing until a PolicyBinding grants it a role (here viewer on the project).
        var denied = await TokenOnly(token).RunAsync("-n", ns, "auth", "can-i", "get", "configmaps");
        Assert.StartsWith("no - missing permission 'core.miloapis.com/configmaps.get'", denied.Stdout.Trim());
        var projectUid = (await _kubectl.OkAsync("--context", "platform", "get", "project", "default-project", "-o", "jsonpath={.metadata.uid}")).Trim();
        var applied = await _kubectl.RunAsync(["apply", "-f", "-"], $$"""
            apiVersion: iam.miloapis.com/v1alpha1
            kind: PolicyBinding
            metadata: {name: sa1-viewer, namespace: {{ns}}}
            spec:
              roleRef: {name: viewer, namespace: datum-cloud}
              subjects: [{kind: ServiceAccount, name: sa1, namespace: {{ns}}}]
              resourceSelector:
                resourceRef: {apiGroup: resourcemanager.miloapis.com, kind: Project, name: default-project, uid: {{projectUid}}}
            """);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await TokenOnly(token).RunAsync("-n", ns, "auth", "can-i", "get", "configmaps")).Stdout.Trim() != "yes")
        {
            Assert.True(DateTime.UtcNow < deadline, "the binding never took effect");
            await Task.Delay(100);
        }
        Assert.StartsWith("no", (await TokenOnly(token).RunAsync("-n", ns, "auth", "can-i", "create", "configmaps")).Stdout.Trim());
    }

    [KubectlFact]
    public async Task A_tampered_or_revoked_token_is_unauthorized()
    {
        var ns = await NewNamespaceAsync();
        await _kubectl.OkAsync("-n", ns, "create", "serviceaccount", "sa2");
        var token = (await _kubectl.OkAsync("-n", ns, "create", "token", "sa2", "--duration=15m")).Trim();

        var tampered = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var bad = await TokenOnly(tampered).RunAsync("auth", "whoami");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("Unauthorized", bad.Stderr, StringComparison.Ordinal);

        await _kubectl.OkAsync("-n", ns, "delete", "sa", "sa2");
        var revoked = await TokenOnly(token).RunAsync("auth", "whoami");
        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("Unauthorized", revoked.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task A_new_namespace_can_create_a_token_for_default()
    {
        var ns = await NewNamespaceAsync();
        KubectlResult result = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            result = await _kubectl.RunAsync("-n", ns, "create", "token", "default");
            if (result.ExitCode == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        var whoami = await TokenOnly(result.Stdout.Trim()).OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
        Assert.Equal($"system:serviceaccount:{ns}:default", whoami.Trim());
    }

    [KubectlFact]
    public async Task Whoami_as_another_user_and_groups()
    {
        var whoami = await _kubectl.OkAsync("auth", "whoami", "--as=jane", "--as-group=devs", "--as-group=ops");
        _output.WriteLine(whoami);
        Assert.Matches(@"(?m)^Username\s+jane\s*$", whoami);
        Assert.Matches(@"(?m)^Groups\s+\[devs ops system:authenticated\]\s*$", whoami);

        var tooShort = await _kubectl.RunAsync("create", "token", "default", "-n", "default", "--duration=1m");
        Assert.NotEqual(0, tooShort.ExitCode);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Stderr, StringComparison.Ordinal);
    }
}

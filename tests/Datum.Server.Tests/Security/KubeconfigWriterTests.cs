using System.Diagnostics;
using System.Text;
using Datum.Server.Security;
using Xunit.Abstractions;

namespace Datum.Server.Tests.Security;

public sealed class KubeconfigWriterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Kubectl = "/usr/bin/kubectl";
    private readonly TempDirectory _dir = new();
    private ClusterCredentials _credentials = null!;

    public async Task InitializeAsync() =>
        _credentials = await ClusterCredentials.LoadOrCreateAsync(_dir.Path, CancellationToken.None);

    public Task DisposeAsync()
    {
        _credentials.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void RendersCertificateUserWithDefaultNames()
    {
        var yaml = KubeconfigWriter.Render(KubeconfigSpec.ForAdminCertificate(_credentials, "https://127.0.0.1:6443"));

        Assert.StartsWith("apiVersion: v1\nkind: Config\n", yaml);
        Assert.Contains("    server: \"https://127.0.0.1:6443\"\n", yaml);
        Assert.Contains("certificate-authority-data: \"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_credentials.CaPem)) + "\"", yaml);
        Assert.Contains("client-certificate-data: \"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_credentials.AdminCertificatePem)) + "\"", yaml);
        Assert.Contains("client-key-data: ", yaml);
        Assert.DoesNotContain("token:", yaml);
        Assert.DoesNotContain("namespace:", yaml);
        Assert.Contains("current-context: \"datum-admin\"\n", yaml);
        Assert.DoesNotContain('\r', yaml);
    }

    [Fact]
    public void RejectsIncompleteSpecs()
    {
        var spec = new KubeconfigSpec { Server = "https://127.0.0.1:6443", CertificateAuthorityPem = _credentials.CaPem };
        Assert.Throws<ArgumentException>(() => KubeconfigWriter.Render(spec));
        Assert.Throws<ArgumentException>(() => KubeconfigWriter.Render(spec with { ClientCertificatePem = _credentials.AdminCertificatePem }));
        Assert.Throws<ArgumentException>(() => KubeconfigWriter.Render(spec with { Token = "t", Server = "not a url" }));
    }

    [Fact]
    public async Task WriteAsyncIsOwnerOnlyAndReplacesAtomically()
    {
        var path = Path.Combine(_dir.Path, "nested", "kubeconfig");
        await KubeconfigWriter.WriteAsync(path, "first", CancellationToken.None);
        await KubeconfigWriter.WriteAsync(path, "second", CancellationToken.None);

        Assert.Equal("second", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task KubectlParsesTheRenderedFile()
    {
        if (!File.Exists(Kubectl))
        {
            output.WriteLine($"Skipped: {Kubectl} not found.");
            return;
        }

        // Awkward names and a token with YAML-significant characters exercise the quoting.
        var spec = KubeconfigSpec.ForAdminToken(_credentials, "https://127.0.0.1:6443") with
        {
            ClientCertificatePem = _credentials.AdminCertificatePem,
            ClientKeyPem = _credentials.AdminKeyPem,
            Token = "a: \"b\" #c\\d",
            Namespace = "yes",
            ClusterName = "*datum",
            UserName = "- admin",
            ContextName = "ctx: 1",
        };
        var path = Path.Combine(_dir.Path, "kubeconfig");
        await KubeconfigWriter.WriteAsync(path, KubeconfigWriter.Render(spec), CancellationToken.None);

        string View(string jsonPath) => RunKubectl("config", "view", "--kubeconfig", path, "--raw", "-o", "jsonpath=" + jsonPath).Output;

        Assert.Equal("https://127.0.0.1:6443", View("{.clusters[0].cluster.server}"));
        Assert.Equal(_credentials.CaPem, Encoding.UTF8.GetString(Convert.FromBase64String(View("{.clusters[0].cluster.certificate-authority-data}"))));
        Assert.Equal(_credentials.AdminCertificatePem, Encoding.UTF8.GetString(Convert.FromBase64String(View("{.users[0].user.client-certificate-data}"))));
        Assert.Equal(_credentials.AdminKeyPem, Encoding.UTF8.GetString(Convert.FromBase64String(View("{.users[0].user.client-key-data}"))));
        Assert.Equal("a: \"b\" #c\\d", View("{.users[0].user.token}"));
        Assert.Equal("*datum|- admin|yes", View("{.contexts[0].context.cluster}|{.contexts[0].context.user}|{.contexts[0].context.namespace}"));
        Assert.Equal("ctx: 1", View("{.current-context}"));
    }

    [Fact]
    public async Task KubectlAuthenticatesAgainstTheLiveServer()
    {
        if (!File.Exists(Kubectl))
        {
            output.WriteLine($"Skipped: {Kubectl} not found.");
            return;
        }

        await using var server = await SecureTestServer.StartAsync(_credentials);
        var url = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var alice = _credentials.IssueClientCertificate("alice", ["dev"], TimeSpan.FromHours(1));
        var cases = new (KubeconfigSpec Spec, string Expected)[]
        {
            (KubeconfigSpec.ForAdminCertificate(_credentials, url), "admin|system:masters,system:authenticated"),
            (KubeconfigSpec.ForAdminToken(_credentials, url), "admin|system:masters,system:authenticated"),
            (KubeconfigSpec.ForClientCertificate(_credentials, url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), alice), "alice|dev,system:authenticated"),
        };

        for (var i = 0; i < cases.Length; i++)
        {
            var path = Path.Combine(_dir.Path, $"kubeconfig-{i}");
            await KubeconfigWriter.WriteAsync(path, KubeconfigWriter.Render(cases[i].Spec), CancellationToken.None);
            // Go's TLS stack verifies our CA, the SANs and (for client certificates) our handshake.
            var (exitCode, stdout, stderr) = RunKubectl("--kubeconfig", path, "get", "--raw", "/whoami");
            Assert.True(exitCode == 0, $"kubectl failed ({exitCode}): {stderr}");
            Assert.Equal(cases[i].Expected, stdout);
        }
    }

    private static (int ExitCode, string Output, string Error) RunKubectl(params string[] arguments)
    {
        var start = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Keep the user's real kubeconfig and cache out of the picture.
        start.Environment["KUBECONFIG"] = "/dev/null";
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException("kubectl timed out");
        }

        return (process.ExitCode, stdout.Result, stderr);
    }
}

using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>kubectl's typed clients ask for protobuf first; Datum answers protobuf and kubectl reads it.</summary>
public sealed class ProtobufKubectlTests : IClassFixture<ServerFixture>, IDisposable
{
    private const string ProtobufResponse = "Content-Type: application/vnd.kubernetes.protobuf";

    private readonly ITestOutputHelper _output;
    private readonly Kubectl _kubectl;

    public ProtobufKubectlTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _output = output;
        _kubectl = new Kubectl(fixture.Server.KubeconfigPath, output.WriteLine);
    }

    public void Dispose() => _kubectl.Dispose();

    [KubectlFact]
    public async Task Create_configmap_gets_a_protobuf_response_and_prints_created()
    {
        var ns = ServerFixture.UniqueName("proto");
        Assert.Contains($"namespace/{ns} created", await _kubectl.OkAsync("create", "namespace", ns));

        var r = await _kubectl.RunAsync("-n", ns, "create", "configmap", "x", "--from-literal=a=b", "-v=8");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("configmap/x created", r.Stdout, StringComparison.Ordinal);
        // -v=8 logs the response headers of the POST; the typed client asked for protobuf and got it.
        Assert.Contains(ProtobufResponse, r.Stderr, StringComparison.Ordinal);
        _output.WriteLine(string.Join('\n', r.Stderr.Split('\n').Where(l => l.Contains("Content-Type", StringComparison.Ordinal))));

        // The object the protobuf response described is the stored one.
        Assert.Equal("b", (await _kubectl.OkAsync("-n", ns, "get", "configmap", "x", "-o", "jsonpath={.data.a}")).Trim());

        // Typed-client reads of other encodable kinds work too (create secret reads nothing back but its answer).
        var secret = await _kubectl.RunAsync("-n", ns, "create", "secret", "generic", "s", "--from-literal=k=v", "-v=8");
        Assert.True(secret.ExitCode == 0, secret.ToString());
        Assert.Contains("secret/s created", secret.Stdout, StringComparison.Ordinal);
        Assert.Contains(ProtobufResponse, secret.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Auth_whoami_and_can_i_read_protobuf_reviews()
    {
        var whoami = await _kubectl.RunAsync("auth", "whoami", "-v=8");
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Matches(@"(?m)^Username\s+admin\s*$", whoami.Stdout);
        Assert.Contains(ProtobufResponse, whoami.Stderr, StringComparison.Ordinal);

        var canI = await _kubectl.RunAsync("auth", "can-i", "create", "configmaps", "-v=8");
        Assert.True(canI.ExitCode == 0, canI.ToString());
        Assert.Equal("yes", canI.Stdout.Trim());
        Assert.Contains(ProtobufResponse, canI.Stderr, StringComparison.Ordinal);
    }
}

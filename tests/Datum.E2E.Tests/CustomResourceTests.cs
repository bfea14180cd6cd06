using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>A CustomResourceDefinition applied with the real kubectl becomes a usable kind at once.</summary>
public sealed class CustomResourceTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerProcess _server;
    private readonly ITestOutputHelper _output;
    private readonly Kubectl _kubectl;

    public CustomResourceTests(ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
        _kubectl = new Kubectl(_server.KubeconfigPath, output.WriteLine, "platform");
    }

    public void Dispose() => _kubectl.Dispose();

    private string WriteManifest(string yaml)
    {
        var path = Path.Combine(_kubectl.CacheDir, $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string CrdYaml(string group) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: sprockets.{{group}}
        spec:
          group: {{group}}
          scope: Namespaced
          names:
            plural: sprockets
            singular: sprocket
            kind: Sprocket
            shortNames: [spr]
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale:
                specReplicasPath: .spec.replicas
                statusReplicasPath: .status.replicas
            additionalPrinterColumns:
            - name: Replicas
              type: integer
              jsonPath: .spec.replicas
            - name: Size
              type: string
              jsonPath: .spec.size
            schema:
              openAPIV3Schema:
                type: object
                description: Sprocket is a toothed wheel.
                properties:
                  spec:
                    type: object
                    description: SprocketSpec is the desired state of a Sprocket.
                    required: [size]
                    properties:
                      replicas:
                        type: integer
                        minimum: 0
                        default: 1
                        description: Replicas is how many sprockets to turn.
                      size:
                        type: string
                        enum: [small, large]
                        description: Size of the sprocket.
                      teeth:
                        type: array
                        x-kubernetes-list-type: set
                        items:
                          type: integer
                      extra:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
                  status:
                    type: object
                    properties:
                      replicas:
                        type: integer
        """;

    [KubectlFact]
    public async Task Crd_lifecycle_with_kubectl()
    {
        var group = $"e2e{Guid.NewGuid().ToString("N")[..8]}.example.com";
        var ns = ServerFixture.UniqueName("crd");
        await _kubectl.OkAsync("create", "namespace", ns);

        Assert.Contains($"customresourcedefinition.apiextensions.k8s.io/sprockets.{group} created",
            await _kubectl.OkAsync("apply", "-f", WriteManifest(CrdYaml(group))));
        Assert.Contains("condition met", await _kubectl.OkAsync("wait", "--for=condition=Established", $"crd/sprockets.{group}", "--timeout=60s"));

        var sprocket = WriteManifest($$"""
            apiVersion: {{group}}/v1
            kind: Sprocket
            metadata:
              name: s1
              namespace: {{ns}}
            spec:
              size: large
              teeth: [10, 12]
              extra:
                anything: [1, 2]
            """);
        Assert.Contains($"sprocket.{group}/s1 created", await _kubectl.OkAsync("apply", "-f", sprocket));
        Assert.Contains($"sprocket.{group}/s1 unchanged", await _kubectl.OkAsync("apply", "-f", sprocket));
        Assert.Equal("1", await _kubectl.OkAsync("-n", ns, "get", "sprockets", "s1", "-o", "jsonpath={.spec.replicas}"));

        var explain = await _kubectl.OkAsync("explain", "sprockets.spec");
        Assert.Contains("SprocketSpec is the desired state of a Sprocket.", explain);
        Assert.Contains("Replicas is how many sprockets to turn.", explain);
        Assert.Contains("Size of the sprocket.", explain);

        var get = await _kubectl.OkAsync("-n", ns, "get", "spr");
        _output.WriteLine(get);
        Assert.Matches(@"NAME\s+REPLICAS\s+SIZE\s+AGE", get);
        Assert.Matches(@"(?m)^s1\s+1\s+large\s+\S+", get);

        var invalid = await _kubectl.RunAsync("apply", "-f", WriteManifest($$"""
            apiVersion: {{group}}/v1
            kind: Sprocket
            metadata:
              name: bad
              namespace: {{ns}}
            spec:
              size: huge
              replicas: -1
            """));
        Assert.True(invalid.ExitCode != 0, invalid.ToString());
        Assert.Contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0", invalid.Stderr);
        Assert.Contains("spec.size: Unsupported value: \"huge\"", invalid.Stderr);

        var unknown = await _kubectl.RunAsync("apply", "-f", WriteManifest($$"""
            apiVersion: {{group}}/v1
            kind: Sprocket
            metadata:
              name: typo
              namespace: {{ns}}
            spec:
              size: small
              sise: small
            """));
        Assert.True(unknown.ExitCode != 0, unknown.ToString());
        Assert.Contains("unknown field \"spec.sise\"", unknown.Stderr);

        Assert.Contains($"sprocket.{group}/s1 scaled", await _kubectl.OkAsync("-n", ns, "scale", "sprocket", "s1", "--replicas=3"));
        Assert.Equal("3", await _kubectl.OkAsync("-n", ns, "get", "sprocket", "s1", "-o", "jsonpath={.spec.replicas}"));

        Assert.Contains($"customresourcedefinition.apiextensions.k8s.io \"sprockets.{group}\" deleted",
            await _kubectl.OkAsync("delete", "crd", $"sprockets.{group}", "--timeout=60s"));
        var gone = await _kubectl.RunAsync("get", "crd", $"sprockets.{group}");
        Assert.Contains("NotFound", gone.Stderr);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var raw = await _kubectl.RunAsync("get", "--raw", $"/apis/{group}/v1");
            if (raw.ExitCode != 0) break;
            Assert.True(DateTime.UtcNow < deadline, "the kind is still served: " + raw);
            await Task.Delay(100);
        }
    }
}

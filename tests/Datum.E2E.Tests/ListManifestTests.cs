using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>
/// A <c>v1 List</c> manifest with 1,200 ConfigMaps, then a chunked get. kubectl validates List manifests through
/// its OpenAPI v2 fallback, so this also covers the v2 document the server serves for that.
/// </summary>
public sealed class ListManifestTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [KubectlFact]
    public async Task Create_from_a_List_then_get_in_chunks_of_500_shows_every_object_once()
    {
        using var kubectl = new Kubectl(fixture.Server.KubeconfigPath, output.WriteLine);
        var ns = ServerFixture.UniqueName("chunks");
        await kubectl.OkAsync("create", "namespace", ns);
        var items = new JsonArray();
        for (var i = 0; i < 1200; i++)
        {
            items.Add(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = $"c{i:D4}", ["namespace"] = ns },
                ["data"] = new JsonObject { ["i"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
        }
        var path = Path.Combine(kubectl.CacheDir, "list.json");
        await File.WriteAllTextAsync(path, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = items }.ToJsonString());

        await kubectl.OkAsync("create", "-f", path);

        var table = await kubectl.OkAsync("-n", ns, "get", "configmaps", "--chunk-size=500");
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1201, lines.Length);
        var names = lines.Skip(1).Select(l => l.Split(' ', 2)[0]).ToList();
        Assert.Equal(1200, names.Distinct().Count());

        var verbose = await kubectl.RunAsync("-n", ns, "get", "configmaps", "--chunk-size=500", "-v=6");
        var pages = verbose.Stderr.Split('\n').Count(l => l.Contains("/configmaps?", StringComparison.Ordinal) && l.Contains("limit=500", StringComparison.Ordinal));
        Assert.Equal(3, pages);
    }
}

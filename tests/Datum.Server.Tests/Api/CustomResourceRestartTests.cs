using System.Text.Json.Nodes;
using Datum.Server.CustomResources;
using Datum.Server.Hosting;
using Datum.Server.Registry;
using Datum.Server.Tests.Security;

namespace Datum.Server.Tests.Api;

/// <summary>Stored CRDs are served again as soon as a restarted server accepts requests.</summary>
public sealed class CustomResourceRestartTests
{
    [Fact]
    public async Task StoredCrdsAreServedBeforeTheServerAcceptsRequests()
    {
        using var dir = new TempDirectory();
        var options = new DatumServerOptions { DataDirectory = dir.Path, SecurePort = 0 };
        var crd = Json.Obj("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"things.restart.example.com","uid":"u1","creationTimestamp":"2024-01-01T00:00:00Z","generation":1},
             "spec":{"group":"restart.example.com","scope":"Cluster","names":{"plural":"things","kind":"Thing"},
               "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}
            """);
        await using (var first = await DatumServer.StartAsync(options, CancellationToken.None))
        {
            var key = StorageKeys.ObjectKey(StorageKeys.RootCluster, CustomResourceDefinitionKind.Definition, null, "things.restart.example.com");
            await first.Store.CreateAsync(key, rev => ObjectEncoding.EncodeAt((JsonObject)crd.DeepClone(), rev), CancellationToken.None);
        }
        await using var second = await DatumServer.StartAsync(options, CancellationToken.None);
        var definition = second.Catalog.Find("restart.example.com", "v1", "things");
        Assert.NotNull(definition);
        Assert.False(definition.Namespaced);
        Assert.Equal("Thing", definition.Kind);
    }
}

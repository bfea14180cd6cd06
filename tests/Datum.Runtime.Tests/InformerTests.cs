using System.Text.Json.Nodes;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.Informers;
using Xunit.Abstractions;
using Datum.Testing;

namespace Datum.Runtime.Tests;

public sealed class InformerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Cache_follows_adds_updates_and_deletes_with_indexes_and_handlers()
    {
        await using var server = await TestServer.StartAsync();
        var client = new KubeClient(server.InProcess);
        var configMaps = client.Resource<ConfigMap>();
        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "before", Namespace = "default" } });
        var informer = new Informer<ConfigMap>(configMaps);
        informer.Cache.AddIndexer("by-color", c => c.Data?.TryGetValue("color", out var color) == true ? [color] : []);
        var adds = 0;
        var updates = 0;
        var deletes = 0;
        informer.AddHandler(new ResourceEventHandler<ConfigMap>(_ => Interlocked.Increment(ref adds), (_, _) => Interlocked.Increment(ref updates), _ => Interlocked.Increment(ref deletes)));
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(informer.HasSynced);
        Assert.NotNull(informer.Cache.Get("default", "before"));

        var owner = await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "owner", Namespace = "default" } });
        await configMaps.CreateAsync(new ConfigMap
        {
            Metadata = new() { Name = "owned", Namespace = "default", OwnerReferences = [new() { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid! }] },
            Data = new() { ["color"] = "blue" },
        });
        await configMaps.PatchAsync("default", "owned", PatchType.Merge, JsonNode.Parse("""{"data":{"color":"red"}}""")!);
        await configMaps.DeleteAsync("default", "before");
        await Eventually.TrueAsync(() => informer.Cache.Get("default", "before") is null && informer.Cache.ByIndex("by-color", "red").Count == 1, "cache caught up");
        Assert.Empty(informer.Cache.ByIndex("by-color", "blue"));
        Assert.Equal("owned", Assert.Single(informer.Cache.ByIndex(ObjectCache<ConfigMap>.OwnerUidIndex, owner.Metadata.Uid!)).Metadata.Name);
        Assert.Equal(informer.Cache.Count, informer.Cache.List("default").Count);
        Assert.Equal(3, adds);
        Assert.Equal(1, updates);
        Assert.Equal(1, deletes);

        // A handler added late first sees every cached object.
        var late = 0;
        informer.AddHandler(new ResourceEventHandler<ConfigMap>(_ => late++));
        Assert.Equal(informer.Cache.Count, late);
        await cts.CancelAsync();
        await running;
    }

    /// <summary>
    /// Random creates, updates and deletes against a real <c>datum up</c> process that is killed with SIGKILL and
    /// restarted in the middle; afterwards the informer's cache equals the server's state. 10,000 operations by
    /// default; <c>DATUM_RUNTIME_CHAOS_OPS</c> changes it (e.g. 3000 on a slow machine).
    /// </summary>
    [Fact]
    public async Task Cache_equals_server_after_random_writes_and_a_kill_9_restart()
    {
        var total = int.TryParse(Environment.GetEnvironmentVariable("DATUM_RUNTIME_CHAOS_OPS"), out var n) ? n : 10_000;
        await using var server = await DatumProcess.StartAsync("up");
        await using var transport = HttpApiTransport.FromKubeconfig(server.KubeconfigPath);
        var client = new KubeClient(transport);
        await client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new() { Name = "chaos" } });
        var configMaps = client.Resource<ConfigMap>();
        var informer = new Informer<ConfigMap>(configMaps, new InformerOptions { Namespace = "chaos", MaxBackoff = TimeSpan.FromSeconds(2) });
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        const int writers = 4;
        var killed = 0;
        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < total / writers; i++)
            {
                if (w == 0 && i == total / writers / 2)
                {
                    server.Kill();
                    Interlocked.Increment(ref killed);
                    await server.RestartAsync();
                }
                var name = $"cm-{random.Next(300)}";
                while (true)
                {
                    try
                    {
                        await RandomWriteAsync(configMaps, random, name);
                        break;
                    }
                    catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict || e.IsAlreadyExists)
                    {
                        break;
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException)
                    {
                        await Task.Delay(200); // the server is down; the same write again once it is back
                    }
                }
            }
        })));
        output.WriteLine($"{total} writes (one kill -9 + restart) in {(DateTime.UtcNow - started).TotalSeconds:F1} s; informer watch restarts: {informer.WatchRestarts}");
        Assert.Equal(1, killed);

        var truth = new Dictionary<string, string>();
        await Eventually.TrueAsync(async () =>
        {
            var list = await configMaps.ListAllAsync("chaos");
            truth = list.Items.ToDictionary(c => c.Metadata.Name!, c => c.Metadata.ResourceVersion!);
            var cached = informer.Cache.List().ToDictionary(c => c.Metadata.Name!, c => c.Metadata.ResourceVersion!);
            return cached.Count == truth.Count && cached.All(kv => truth.TryGetValue(kv.Key, out var rv) && rv == kv.Value);
        }, "the informer cache equals the server's list", timeoutSeconds: 120);
        output.WriteLine($"{truth.Count} objects on the server and in the cache");
        Assert.True(informer.WatchRestarts >= 1);
        await cts.CancelAsync();
        await running;
    }

    private static async Task RandomWriteAsync(ResourceClient<ConfigMap> configMaps, Random random, string name)
    {
        switch (random.Next(3))
        {
            case 0:
                await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = name, Namespace = "chaos" }, Data = new() { ["v"] = random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                break;
            case 1:
                await configMaps.PatchAsync("chaos", name, PatchType.Merge, new JsonObject { ["data"] = new JsonObject { ["v"] = random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                break;
            default:
                await configMaps.DeleteAsync("chaos", name);
                break;
        }
    }
}

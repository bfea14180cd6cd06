using System.Text.Json.Nodes;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;

namespace Datum.Runtime.Tests;

public sealed class ClientTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("http")]
    [InlineData("inprocess")]
    public async Task Crud_patch_and_delete_with_preconditions(string transport)
    {
        var client = new KubeClient(_server.Transport(transport));
        var configMaps = client.Resource<ConfigMap>();
        var ns = "crud-" + transport;
        await client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new() { Name = ns } });

        var created = await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "a", Namespace = ns, Labels = new() { ["app"] = "x" } }, Data = new() { ["k"] = "v" } });
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal("v", (await configMaps.GetAsync(ns, "a")).Data!["k"]);
        Assert.Null(await configMaps.TryGetAsync(ns, "missing"));
        var missing = await Assert.ThrowsAsync<ApiStatusException>(() => configMaps.GetAsync(ns, "missing"));
        Assert.True(missing.IsNotFound);
        Assert.True((await Assert.ThrowsAsync<ApiStatusException>(() => configMaps.CreateAsync(created with { Metadata = created.Metadata with { ResourceVersion = null } }))).IsAlreadyExists);

        created.Data!["k"] = "w";
        var updated = await configMaps.UpdateAsync(created);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);
        Assert.True((await Assert.ThrowsAsync<ApiStatusException>(() => configMaps.UpdateAsync(created))).IsConflict);

        var merged = await configMaps.PatchAsync(ns, "a", PatchType.Merge, JsonNode.Parse("""{"data":{"m":"1"}}""")!);
        Assert.Equal("1", merged.Data!["m"]);
        var jsonPatched = await configMaps.PatchAsync(ns, "a", PatchType.Json, JsonNode.Parse("""[{"op":"remove","path":"/data/m"}]""")!);
        Assert.False(jsonPatched.Data!.ContainsKey("m"));
        var strategic = await configMaps.PatchAsync(ns, "a", PatchType.StrategicMerge, JsonNode.Parse("""{"metadata":{"labels":{"s":"1"}}}""")!);
        Assert.Equal("1", strategic.Metadata.Labels!["s"]);
        var applied = await configMaps.ApplyAsync(new ConfigMap { Metadata = new() { Name = "applied", Namespace = ns }, Data = new() { ["a"] = "1" } }, "test");
        Assert.Equal("1", applied.Data!["a"]);

        for (var i = 0; i < 5; i++)
        {
            await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = $"p{i}", Namespace = ns, Labels = new() { ["page"] = "yes" } } });
        }
        var page = await configMaps.ListAsync(ns, new ListOptions { LabelSelector = "page=yes", Limit = 2 });
        Assert.Equal(2, page.Items.Count);
        Assert.NotNull(page.Continue);
        var all = await configMaps.ListAllAsync(ns, new ListOptions { LabelSelector = "page=yes" }, pageSize: 2);
        Assert.Equal(5, all.Items.Count);
        Assert.Single((await configMaps.ListAsync(ns, new ListOptions { FieldSelector = "metadata.name=p3" })).Items);

        var stale = await Assert.ThrowsAsync<ApiStatusException>(() => configMaps.DeleteAsync(ns, "a", new DeleteOptions { Preconditions = new() { Uid = "wrong" } }));
        Assert.True(stale.IsConflict);
        await configMaps.DeleteAsync(ns, "a", new DeleteOptions { Preconditions = new() { Uid = created.Metadata.Uid }, PropagationPolicy = "Background" });
        Assert.Null(await configMaps.TryGetAsync(ns, "a"));
    }

    [Theory]
    [InlineData("http")]
    [InlineData("inprocess")]
    public async Task Watch_streams_changes_after_a_resource_version_and_unstructured_reads_any_kind(string transport)
    {
        var client = new KubeClient(_server.Transport(transport));
        var configMaps = client.Resource<ConfigMap>();
        var list = await configMaps.ListAsync("default");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = new List<WatchEvent<ConfigMap>>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in configMaps.WatchAsync("default", new ListOptions { ResourceVersion = list.ResourceVersion, AllowWatchBookmarks = true }, cts.Token))
            {
                lock (events) events.Add(e);
                if (e.Type == WatchEventType.Deleted) return;
            }
        });
        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "w", Namespace = "default" } });
        await configMaps.PatchAsync("default", "w", PatchType.Merge, JsonNode.Parse("""{"data":{"x":"y"}}""")!);
        await configMaps.DeleteAsync("default", "w");
        await watching.WaitAsync(cts.Token);
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));

        var unstructured = client.Resource(ConfigMap.Resource);
        var u = await unstructured.CreateAsync(new Unstructured { Metadata = new() { Name = "u", Namespace = "default" }, ["data"] = new JsonObject { ["k"] = "v" } });
        Assert.Equal("v", u["data"]!["k"]!.GetValue<string>());
        Assert.Equal("ConfigMap", u.Kind);
    }
    [Fact]
    public async Task In_process_watches_get_bookmarks_and_end_at_their_timeout()
    {
        await using var transport = new InProcess.InProcessTransport(new Server.Registry.ResourceStore(_server.Server.Store, [], TimeProvider.System), _server.Server.Catalog)
        {
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
        };
        var configMaps = new KubeClient(transport).Resource<ConfigMap>();
        var list = await configMaps.ListAsync("default");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var types = new List<WatchEventType>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        // Ends by itself (the server's timeout), not by the token: a cancelled token would throw here.
        await foreach (var e in configMaps.WatchAsync("default", new ListOptions { ResourceVersion = list.ResourceVersion, AllowWatchBookmarks = true, TimeoutSeconds = 2 }, cts.Token))
        {
            types.Add(e.Type);
        }
        Assert.False(cts.IsCancellationRequested);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
        Assert.Contains(WatchEventType.Bookmark, types);

        // A watch without a timeout ends when its consumer stops, and takes no bookmark ticks with it.
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in configMaps.WatchAsync("default", new ListOptions { ResourceVersion = list.ResourceVersion }, stop.Token))
            {
            }
        });
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Runtime.Tests;

public sealed class ControllerTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("inprocess")]
    [InlineData("http")]
    public async Task Sample_controller_keeps_a_key_summary_per_namespace(string transport)
    {
        var client = new KubeClient(_server.Transport(transport));
        var configMaps = client.Resource<ConfigMap>();
        await client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new() { Name = "sum" } });
        // Present before the manager starts: picked up from the initial list.
        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "a", Namespace = "sum" }, Data = new() { ["x"] = "1", ["y"] = "2" } });

        var manager = new Manager(client, new ManagerOptions { MetricsEndpoint = new IPEndPoint(IPAddress.Loopback, 0) });
        KeySummaryController.Setup(manager);
        using var cts = new CancellationTokenSource();
        var running = manager.RunAsync(cts.Token);

        async Task<Dictionary<string, string>?> Summary() => (await configMaps.TryGetAsync("sum", KeySummaryController.SummaryName))?.Data;
        await Eventually.TrueAsync(async () => (await Summary())?.GetValueOrDefault("total") == "2", "summary of the initial ConfigMap");

        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "b", Namespace = "sum" }, Data = new() { ["z"] = "3" } });
        await configMaps.PatchAsync("sum", "a", PatchType.Merge, JsonNode.Parse("""{"data":{"w":"4"}}""")!);
        await Eventually.TrueAsync(async () => await Summary() is { } s && s["total"] == "4" && s["a"] == "3" && s["b"] == "1", "summary after create and patch");

        await configMaps.DeleteAsync("sum", KeySummaryController.SummaryName);
        await Eventually.TrueAsync(async () => (await Summary())?.GetValueOrDefault("total") == "4", "summary recreated after deletion");
        await configMaps.DeleteAsync("sum", "a");
        await configMaps.DeleteAsync("sum", "b");
        await Eventually.TrueAsync(async () => await Summary() is null, "summary removed when the namespace has no ConfigMaps");

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(manager.MetricsUrl!, "metrics"));
        Assert.Contains("datum_controller_reconcile_total{controller=\"key-summary\",result=\"success\"}", metrics);
        Assert.Contains("datum_controller_reconcile_time_seconds_bucket{controller=\"key-summary\",le=\"+Inf\"}", metrics);
        Assert.Contains("datum_workqueue_depth{name=\"key-summary\"}", metrics);
        Assert.Contains("# TYPE datum_informer_watch_restarts_total counter", metrics);
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(manager.MetricsUrl!, "readyz")));

        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task An_update_reconciles_its_object_once_when_old_and_new_map_to_the_same_key()
    {
        var client = new KubeClient(_server.InProcess);
        var configMaps = client.Resource<ConfigMap>();
        var manager = new Manager(client);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        manager.NewController().For<ConfigMap>(EventFilters.Where(o => o.Metadata.Labels?.ContainsKey("once") == true)).Named("once")
            .Complete(new DelegateReconciler(request =>
            {
                seen.Enqueue(request.Name);
                return ReconcileResult.Done;
            }));
        using var cts = new CancellationTokenSource();
        var running = manager.RunAsync(cts.Token);
        await manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "single", Namespace = "default", Labels = new() { ["once"] = "1" } } });
        await Eventually.TrueAsync(() => seen.Count(n => n == "single") == 1, "created object reconciled");
        // The workers are idle, so the update's key is handed to one at once: mapping the old object as well must
        // not queue it a second time.
        await configMaps.PatchAsync("default", "single", PatchType.Merge, JsonNode.Parse("""{"data":{"k":"v"}}""")!);
        await Eventually.TrueAsync(() => seen.Count(n => n == "single") >= 2, "updated object reconciled");
        await Task.Delay(500);
        Assert.Equal(2, seen.Count(n => n == "single"));
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Owned_objects_map_to_their_owner_and_errors_retry_while_terminal_errors_do_not()
    {
        var client = new KubeClient(_server.InProcess);
        var configMaps = client.Resource<ConfigMap>();
        var manager = new Manager(client);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var failuresLeft = 3;
        manager.NewController().For<ConfigMap>(EventFilters.Where(o => o.Metadata.Labels?.ContainsKey("owner") == true)).Owns<Secret>().Named("owners")
            .Complete(new DelegateReconciler(request =>
            {
                seen.Enqueue(request.Name);
                if (request.Name == "flaky" && Interlocked.Decrement(ref failuresLeft) >= 0) throw new InvalidOperationException("not yet");
                if (request.Name == "broken") throw new TerminalException("bad spec");
                return ReconcileResult.Done;
            }));
        using var cts = new CancellationTokenSource();
        var running = manager.RunAsync(cts.Token);
        await manager.WaitForReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var owner = await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "parent", Namespace = "default", Labels = new() { ["owner"] = "1" } } });
        await Eventually.TrueAsync(() => seen.Contains("parent"), "owner reconciled");
        var secret = new Secret { Metadata = new() { Name = "child", Namespace = "default" } };
        Assert.True(OwnerReferences.SetControllerReference(owner, secret));
        Assert.False(OwnerReferences.SetControllerReference(owner, secret));
        Assert.Throws<InvalidOperationException>(() => OwnerReferences.SetControllerReference(owner with { Metadata = owner.Metadata with { Uid = "other" } }, secret));
        var before = seen.Count(n => n == "parent");
        await client.Resource<Secret>().CreateAsync(secret);
        await Eventually.TrueAsync(() => seen.Count(n => n == "parent") > before, "a change of the owned Secret reconciles its owner");

        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "flaky", Namespace = "default", Labels = new() { ["owner"] = "1" } } });
        await configMaps.CreateAsync(new ConfigMap { Metadata = new() { Name = "broken", Namespace = "default", Labels = new() { ["owner"] = "1" } } });
        await Eventually.TrueAsync(() => seen.Count(n => n == "flaky") == 4, "three failures retried with backoff, then success");
        await Task.Delay(500);
        Assert.Equal(1, seen.Count(n => n == "broken"));
        Assert.True(manager.Metrics.ReconcileTotal.Value("owners", "error") >= 3);
        Assert.Equal(1, manager.Metrics.ReconcileTotal.Value("owners", "terminal"));
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Helpers_finalizers_conditions_create_or_update_status_and_events()
    {
        var client = new KubeClient(_server.InProcess);
        var configMaps = client.Resource<ConfigMap>();
        var cm = new ConfigMap { Metadata = new() { Name = "h", Namespace = "default" } };
        Assert.True(Finalizers.Add(cm, "example.com/f"));
        Assert.False(Finalizers.Add(cm, "example.com/f"));
        Assert.True(Finalizers.Contains(cm, "example.com/f"));
        Assert.True(Finalizers.Remove(cm, "example.com/f"));
        Assert.False(Finalizers.Remove(cm, "example.com/f"));

        var time = new ManualTimeProvider();
        var conditions = new List<Condition>();
        Assert.True(Conditions.Set(conditions, new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "Pending", ObservedGeneration = 1 }, time));
        var first = conditions[0].LastTransitionTime;
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(Conditions.Set(conditions, new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "StillPending", ObservedGeneration = 2 }, time));
        Assert.Equal(first, conditions[0].LastTransitionTime);
        Assert.Equal(2, conditions[0].ObservedGeneration);
        Assert.False(Conditions.Set(conditions, new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "StillPending", ObservedGeneration = 2 }, time));
        Assert.True(Conditions.Set(conditions, new Condition { Type = "Ready", Status = ConditionStatus.True, Reason = "Done", ObservedGeneration = 2 }, time));
        Assert.Equal(first + TimeSpan.FromMinutes(1), conditions[0].LastTransitionTime);
        Assert.True(Conditions.IsTrue(conditions, "Ready"));

        var (created, _) = await ObjectOperations.CreateOrUpdateAsync(configMaps, cm, c => c.Data = new() { ["a"] = "1" });
        Assert.Equal(OperationResult.Created, created);
        var (unchanged, _) = await ObjectOperations.CreateOrUpdateAsync(configMaps, new ConfigMap { Metadata = new() { Name = "h", Namespace = "default" } }, c => c.Data = new() { ["a"] = "1" });
        Assert.Equal(OperationResult.Unchanged, unchanged);
        var (updated, stored) = await ObjectOperations.CreateOrUpdateAsync(configMaps, new ConfigMap { Metadata = new() { Name = "h", Namespace = "default" } }, c => c.Data!["b"] = "2");
        Assert.Equal(OperationResult.Updated, updated);
        Assert.Equal(2, stored.Data!.Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ObjectOperations.CreateOrUpdateAsync(configMaps, new ConfigMap { Metadata = new() { Name = "h", Namespace = "default" } }, c => c.Metadata.Name = "renamed"));

        // Concurrent read-modify-write with conflict retry: every increment lands.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ObjectOperations.UpdateAsync(configMaps, "default", "h", c =>
        {
            c.Data!["n"] = ((c.Data.TryGetValue("n", out var n) ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 0) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return true;
        })));
        Assert.Equal("8", (await configMaps.GetAsync("default", "h")).Data!["n"]);

        var recorder = new EventRecorder(client, "test-controller");
        await recorder.RecordAsync(stored, EventRecorder.Normal, "Synced", "all good");
        await recorder.RecordAsync(stored, EventRecorder.Normal, "Synced", "all good");
        var events = await client.Resource<Event>().ListAsync("default", new ListOptions { FieldSelector = "involvedObject.name=h" });
        var recorded = Assert.Single(events.Items);
        Assert.Equal(2, recorded.Count);
        Assert.Equal("Synced", recorded.Reason);
    }

    private sealed class DelegateReconciler(Func<ReconcileRequest, ReconcileResult> reconcile) : IReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct) => Task.FromResult(reconcile(request));
    }
}

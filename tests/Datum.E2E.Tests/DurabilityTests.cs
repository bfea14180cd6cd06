using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>Each test owns its server: these kill and restart it.</summary>
public sealed class DurabilityTests
{
    private readonly ITestOutputHelper _output;

    public DurabilityTests(ITestOutputHelper output) => _output = output;

    private void Log(string message) => _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static long ResourceVersionOf(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return long.Parse(doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture);
    }

    private static async Task<long> CreateNamespaceAsync(HttpClient http, string ns)
    {
        using var r = await http.PostAsync("/api/v1/namespaces", Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}"""));
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, body);
        return ResourceVersionOf(body);
    }

    private static async Task<(HttpStatusCode Code, long ResourceVersion, string Body)> CreateConfigMapAsync(HttpClient http, string ns, string name)
    {
        using var r = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            Json($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"},"data":{"n":"{{{name}}}"}}"""));
        var body = await r.Content.ReadAsStringAsync();
        return (r.StatusCode, r.IsSuccessStatusCode ? ResourceVersionOf(body) : 0, body);
    }

    [Fact]
    public async Task Acknowledged_writes_and_watch_history_survive_kill_9()
    {
        await using var server = await ServerProcess.StartAsync();
        Log($"server {server.Url} pid {server.Pid} data {server.DataDir}");
        var ns = ServerFixture.UniqueName("dur");
        var r0 = await CreateNamespaceAsync(server.Http, ns);
        Log($"namespace {ns} at resourceVersion {r0}");

        using var watchClient = server.CreateHttpClient(timeout: Timeout.InfiniteTimeSpan);
        using var watch = await RawWatch.OpenAsync(watchClient, $"/api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={r0}");
        var before = new List<WatchEvent>();
        var watchReader = Task.Run(async () =>
        {
            // Until the stream dies with the server (the 60 s cap only guards against a hang).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && await watch.NextAsync(TimeSpan.FromSeconds(1)) is var e && (e is not null || !watch.Completion.IsCompleted))
            {
                if (e is not null)
                {
                    lock (before)
                    {
                        before.Add(e);
                    }
                }
            }
        });

        var acked = new ConcurrentDictionary<string, long>();
        var failures = new ConcurrentBag<string>();
        var killed = 0;

        async Task WriterAsync(string prefix)
        {
            for (var i = 0; ; i++)
            {
                var name = $"{prefix}-{i:D5}";
                try
                {
                    var (code, rv, body) = await CreateConfigMapAsync(server.Http, ns, name);
                    if (code == HttpStatusCode.Created)
                    {
                        acked[name] = rv;
                    }
                    else
                    {
                        failures.Add($"{name}: {(int)code} {body}");
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    if (Volatile.Read(ref killed) == 0)
                    {
                        failures.Add($"{name}: {e.GetType().Name} before the kill: {e.Message}");
                    }
                    return;
                }
            }
        }

        var writers = new List<Task> { Task.Run(() => WriterAsync("seq")) };
        await Task.Delay(TimeSpan.FromSeconds(1));
        for (var w = 0; w < 8; w++)
        {
            var prefix = $"par{w}";
            writers.Add(Task.Run(() => WriterAsync(prefix)));
        }
        await Task.Delay(TimeSpan.FromSeconds(1));

        Volatile.Write(ref killed, 1);
        var ackedAtKill = acked.Count;
        server.Kill();
        Log($"kill -9 with {ackedAtKill} acknowledged creates");
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        await watchReader.WaitAsync(TimeSpan.FromSeconds(70));
        Assert.True(failures.IsEmpty, "writes failed before the kill:\n" + string.Join('\n', failures));

        List<WatchEvent> seenBefore;
        lock (before)
        {
            seenBefore = [.. before];
        }
        var lastSeen = seenBefore.Count > 0 ? seenBefore[^1].ResourceVersion : r0;
        Log($"acknowledged {acked.Count} ({acked.Keys.Count(k => k.StartsWith("seq", StringComparison.Ordinal))} sequential, " +
            $"{acked.Keys.Count(k => k.StartsWith("par", StringComparison.Ordinal))} concurrent); watch saw {seenBefore.Count} events before the kill, last resourceVersion {lastSeen}");
        Assert.True(acked.Count > 10, $"only {acked.Count} writes were acknowledged in 2 s");

        var restartClock = Stopwatch.StartNew();
        await server.RestartAsync();
        Log($"restarted in {restartClock.ElapsedMilliseconds} ms at {server.Url} pid {server.Pid}");

        // Every acknowledged object is there, unchanged.
        using (var list = await server.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps"))
        {
            var body = await list.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            using var doc = JsonDocument.Parse(body);
            var stored = doc.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
                i => i.GetProperty("metadata").GetProperty("name").GetString()!,
                i => long.Parse(i.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture));
            Log($"{stored.Count} ConfigMaps stored after restart ({stored.Count - acked.Count(a => stored.ContainsKey(a.Key))} committed but unacknowledged)");
            var lost = acked.Where(a => !stored.ContainsKey(a.Key)).Select(a => $"{a.Key}@{a.Value}").ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes lost: {string.Join(", ", lost.Take(20))}");
            var changed = acked.Where(a => stored[a.Key] != a.Value).Select(a => $"{a.Key}: acked {a.Value}, stored {stored[a.Key]}").ToList();
            Assert.True(changed.Count == 0, string.Join('\n', changed));
            // What a watcher saw was committed: it must have survived too.
            var phantom = seenBefore.Where(e => !stored.ContainsKey(e.Name)).Select(e => $"{e.Name}@{e.ResourceVersion}").ToList();
            Assert.True(phantom.Count == 0, $"watch delivered events for objects that did not survive the crash: {string.Join(", ", phantom)}");
        }
        foreach (var (name, rv) in acked.Take(5))
        {
            using var get = await server.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/{name}");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(rv, ResourceVersionOf(await get.Content.ReadAsStringAsync()));
        }

        // Resume the watch where it stopped: the two halves cover each acknowledged write exactly once, in order.
        using var resumeClient = server.CreateHttpClient(timeout: Timeout.InfiniteTimeSpan);
        using var resumed = await RawWatch.OpenAsync(resumeClient, $"/api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={lastSeen}");
        var after = await resumed.ReadUntilIdleAsync(TimeSpan.FromSeconds(2));
        Log($"resumed watch from {lastSeen}: {after.Count} events");

        var all = seenBefore.Concat(after).ToList();
        Assert.All(all, e => Assert.True(e.Type == "ADDED", $"unexpected event {e.Raw}"));
        for (var i = 1; i < all.Count; i++)
        {
            Assert.True(all[i].ResourceVersion > all[i - 1].ResourceVersion,
                $"event {i} ({all[i].Name}@{all[i].ResourceVersion}) not after event {i - 1} ({all[i - 1].Name}@{all[i - 1].ResourceVersion}); before={seenBefore.Count}");
        }
        var duplicates = all.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"duplicate events: {string.Join(", ", duplicates)}");
        var byName = all.ToDictionary(e => e.Name, e => e.ResourceVersion);
        var gaps = acked.Where(a => !byName.TryGetValue(a.Key, out var rv) || rv != a.Value).Select(a => $"{a.Key}@{a.Value}").ToList();
        Assert.True(gaps.Count == 0, $"{gaps.Count} acknowledged writes missing from the watch: {string.Join(", ", gaps.Take(20))}");
        Log($"watch: {all.Count} events in order, {all.Count - acked.Count} for unacknowledged writes");

        // The history itself survived: a watch from before the first write replays the same events.
        using (var replay = await RawWatch.OpenAsync(resumeClient, $"/api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={r0}"))
        {
            var replayed = await replay.ReadUntilIdleAsync(TimeSpan.FromSeconds(2));
            Log($"replayed watch from {r0}: {replayed.Count} events");
            Assert.Equal(all.Select(e => (e.Type, e.Name, e.ResourceVersion)), replayed.Select(e => (e.Type, e.Name, e.ResourceVersion)));
        }

        // The revision counter did not go backwards.
        var maxSeen = Math.Max(acked.Values.Max(), all.Count > 0 ? all[^1].ResourceVersion : 0);
        var (code, newRv, newBody) = await CreateConfigMapAsync(server.Http, ns, "after-restart");
        Assert.True(code == HttpStatusCode.Created, newBody);
        Assert.True(newRv > maxSeen, $"new write got resourceVersion {newRv}, not greater than {maxSeen}");
        Log($"new write at resourceVersion {newRv} > {maxSeen}");
    }

    [KubectlFact]
    public async Task Sigterm_stops_gracefully_and_kubectl_works_after_restart()
    {
        await using var server = await ServerProcess.StartAsync();
        using var kubectl = new Kubectl(server.KubeconfigPath, m => Log(m));
        var ns = ServerFixture.UniqueName("restart");
        await kubectl.OkAsync("create", "namespace", ns);
        await kubectl.OkAsync("-n", ns, "create", "configmap", "kept", "--from-literal=a=b");
        var rv = await kubectl.OkAsync("-n", ns, "get", "cm", "kept", "-o", "jsonpath={.metadata.resourceVersion}");

        var clock = Stopwatch.StartNew();
        Assert.True(await server.StopAsync(), $"SIGTERM did not stop the server within 10 s\n{server.Logs}");
        Log($"SIGTERM -> exit in {clock.ElapsedMilliseconds} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"SIGTERM took {clock.Elapsed}");

        var oldUrl = server.Url;
        await server.RestartAsync();
        Log($"restarted: {oldUrl} -> {server.Url}");
        // The kubeconfig was rewritten with the new port.
        Assert.Contains(server.Url.ToString().TrimEnd('/'), await File.ReadAllTextAsync(server.KubeconfigPath));
        Assert.Equal("b", await kubectl.OkAsync("-n", ns, "get", "cm", "kept", "-o", "jsonpath={.data.a}"));
        Assert.Equal(rv, await kubectl.OkAsync("-n", ns, "get", "cm", "kept", "-o", "jsonpath={.metadata.resourceVersion}"));
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Datum.Storage.Tests;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>Two real <c>datum up</c> processes (replicas) on one PostgreSQL database.</summary>
public sealed class PostgresReplicaKubectlTests(ITestOutputHelper output)
{
    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static async Task<(ServerProcess A, ServerProcess B)> StartReplicasAsync()
    {
        var server = await PostgresServer.GetAsync();
        var endpoint = await server.CreateDatabaseAsync();
        string[] args = ["--datastore-endpoint", endpoint];
        // Both start against the empty database at once: one bootstraps it, the other uses its credentials.
        var a = ServerProcess.StartAsync(extraArgs: args);
        var b = ServerProcess.StartAsync(extraArgs: args);
        try
        {
            return (await a, await b);
        }
        catch
        {
            foreach (var started in new[] { a, b }.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }
            throw;
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [PostgresKubectlFact]
    public async Task Apply_through_one_replica_is_seen_by_get_watch_through_the_other()
    {
        var (a, b) = await StartReplicasAsync();
        await using (a)
        await using (b)
        {
            // The same CA and admin credentials on both (bootstrapped once into the database).
            foreach (var file in new[] { "ca.crt", "admin.crt", "admin.token", "sa.key" })
            {
                Assert.Equal(await File.ReadAllTextAsync(Path.Combine(a.PkiDir, file)), await File.ReadAllTextAsync(Path.Combine(b.PkiDir, file)));
            }
            using var kubectlA = new Kubectl(a.KubeconfigPath, Log, "platform");
            using var kubectlB = new Kubectl(b.KubeconfigPath, Log, "platform");
            var ns = ServerFixture.UniqueName("ha");
            await kubectlA.OkAsync("create", "namespace", ns);

            using var watch = kubectlB.Start("get", "configmaps", "-n", ns, "-w", "--request-timeout=0");
            await Task.Delay(500); // let the watch start (it lists first, so a missed start would only hide, not fail, the race)
            var manifest = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-a\n  namespace: {ns}\ndata:\n  k: v\n";
            var applied = await kubectlA.RunAsync(["apply", "-f", "-"], manifest);
            Assert.True(applied.ExitCode == 0, applied.ToString());
            var line = await watch.WaitForLineAsync(l => l.StartsWith("from-a", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Log);
            Assert.True(line is not null, $"kubectl get -w via B did not show from-a; stderr: {watch.Stderr}");

            // B's token, A's certificate: either replica accepts both.
            var token = (await File.ReadAllTextAsync(Path.Combine(b.PkiDir, "admin.token"))).Trim();
            using var tokenClient = a.CreateHttpClient(withClientCertificate: false);
            tokenClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var got = await tokenClient.GetAsync($"/api/v1/namespaces/{ns}/configmaps/from-a");
            Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        }
    }

    [PostgresKubectlFact]
    public async Task Kill_9_of_one_replica_under_load_loses_no_acknowledged_write()
    {
        var (a, b) = await StartReplicasAsync();
        await using (a)
        await using (b)
        {
            var ns = ServerFixture.UniqueName("ha-kill");
            using (var created = await a.Http.PostAsync("/api/v1/namespaces", Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""")))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }
            var acknowledged = new ConcurrentDictionary<string, long>();
            var killed = 0;
            var errors = new ConcurrentBag<string>();
            async Task WriteAsync(ServerProcess server, string prefix, int count)
            {
                for (var i = 0; i < count; i++)
                {
                    var name = $"{prefix}-{i:D4}";
                    try
                    {
                        using var r = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
                            Json($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"}}"""));
                        var body = await r.Content.ReadAsStringAsync();
                        if (r.StatusCode != HttpStatusCode.Created)
                        {
                            errors.Add($"{name}: {(int)r.StatusCode} {body}");
                            return;
                        }
                        using var doc = JsonDocument.Parse(body);
                        acknowledged[name] = long.Parse(doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture);
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                    {
                        if (server == a && Volatile.Read(ref killed) == 1)
                        {
                            return; // the killed replica: this write was never acknowledged
                        }
                        errors.Add($"{name}: {e.Message}");
                        return;
                    }
                }
            }

            var writers = new List<Task>();
            for (var w = 0; w < 4; w++)
            {
                var (prefixA, prefixB) = ($"a{w}", $"b{w}");
                writers.Add(Task.Run(() => WriteAsync(a, prefixA, 100_000)));
                writers.Add(Task.Run(() => WriteAsync(b, prefixB, 60)));
            }
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (acknowledged.Keys.Count(k => k.StartsWith('a')) < 40)
                {
                    await Task.Delay(20, deadline.Token);
                }
            }
            Volatile.Write(ref killed, 1);
            a.Kill();
            Log($"killed replica A with {acknowledged.Count} writes acknowledged");
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(errors.IsEmpty, string.Join('\n', errors));

            // B kept serving; every acknowledged write (through either replica) is there with its resourceVersion.
            using var list = await b.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            using var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
            var stored = listed.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
                i => i.GetProperty("metadata").GetProperty("name").GetString()!,
                i => long.Parse(i.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture));
            var lost = acknowledged.Where(x => !stored.TryGetValue(x.Key, out var rv) || rv != x.Value).Select(x => x.Key).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes lost: {string.Join(", ", lost.Take(20))}");
            Log($"{acknowledged.Count} acknowledged, {stored.Count} stored");
        }
    }
    [PostgresKubectlFact]
    public async Task A_postgres_restart_under_load_keeps_every_acknowledged_write_and_the_watch_on_the_other_replica()
    {
        var server = await PostgresServer.StartDedicatedAsync();
        try
        {
            string[] args = ["--datastore-endpoint", await server.CreateDatabaseAsync()];
            await using var a = await ServerProcess.StartAsync(extraArgs: args);
            await using var b = await ServerProcess.StartAsync(extraArgs: args);
            var ns = ServerFixture.UniqueName("pg-restart");
            long start;
            using (var created = await a.Http.PostAsync("/api/v1/namespaces", Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""")))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                using var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
                start = long.Parse(doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture);
            }
            using var watchClient = b.CreateHttpClient(timeout: Timeout.InfiniteTimeSpan);
            using var watch = await RawWatch.OpenAsync(watchClient, $"/api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={start}");

            var acknowledged = new ConcurrentDictionary<string, long>();
            var rejected = 0;
            using var stop = new CancellationTokenSource();
            async Task WriteAsync(ServerProcess replica, string prefix)
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var name = $"{prefix}-{i:D5}";
                    try
                    {
                        using var r = await replica.Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
                            Json($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"}}"""));
                        var body = await r.Content.ReadAsStringAsync();
                        if (r.StatusCode == HttpStatusCode.Created)
                        {
                            using var doc = JsonDocument.Parse(body);
                            acknowledged[name] = long.Parse(doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture);
                        }
                        else
                        {
                            // The database was restarting: not acknowledged (500), or the retry of a write that did land (409).
                            Interlocked.Increment(ref rejected);
                            await Task.Delay(50);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref rejected);
                    }
                }
            }
            var writers = new[] { "a0", "a1", "b0", "b1" }.Select(p => Task.Run(() => WriteAsync(p[0] == 'a' ? a : b, p))).ToList();
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (acknowledged.Count < 50)
                {
                    await Task.Delay(20, deadline.Token);
                }
                server.Restart();
                var atRestart = acknowledged.Count;
                Log($"PostgreSQL restarted with {atRestart} writes acknowledged");
                while (acknowledged.Count < atRestart + 50)
                {
                    await Task.Delay(20, deadline.Token);
                }
            }
            await stop.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
            Log($"{acknowledged.Count} acknowledged, {rejected} rejected while the database was away");

            foreach (var replica in new[] { a, b })
            {
                // A replica follows the database's log, so a write acknowledged by the other replica may take a moment
                // to reach its memory: look again for a while; a write that never shows up is lost.
                List<string> lost = [];
                for (var attempt = 0; attempt < 50; attempt++)
                {
                    using var list = await replica.Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps");
                    Assert.Equal(HttpStatusCode.OK, list.StatusCode);
                    using var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
                    var stored = listed.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
                        i => i.GetProperty("metadata").GetProperty("name").GetString()!,
                        i => long.Parse(i.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture));
                    lost = acknowledged.Where(x => !stored.TryGetValue(x.Key, out var rv) || rv != x.Value).Select(x => x.Key).ToList();
                    if (lost.Count == 0) break;
                    await Task.Delay(200);
                }
                Assert.True(lost.Count == 0, $"{replica.Url}: {lost.Count} acknowledged writes missing: {string.Join(", ", lost.Take(20))}");
            }
            // The watch on B stayed open across the restart: every acknowledged write once, in order.
            var events = await watch.ReadUntilIdleAsync(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain(events, e => e.Type == "ERROR");
            for (var i = 1; i < events.Count; i++)
            {
                Assert.True(events[i].ResourceVersion > events[i - 1].ResourceVersion, $"event {i} out of order");
            }
            var seen = events.ToDictionary(e => e.Name, e => e.ResourceVersion);
            var missing = acknowledged.Where(x => !seen.TryGetValue(x.Key, out var rv) || rv != x.Value).Select(x => x.Key).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged writes missing from the watch: {string.Join(", ", missing.Take(20))}");
        }
        finally
        {
            server.Stop();
        }
    }

    [PostgresKubectlFact(NeedsNginx = true)]
    public async Task Three_replicas_behind_nginx_stream_keep_serving_when_one_is_killed()
    {
        var server = await PostgresServer.GetAsync();
        string[] args = ["--datastore-endpoint", await server.CreateDatabaseAsync()];
        var starting = Enumerable.Range(0, 3).Select(_ => ServerProcess.StartAsync(extraArgs: args)).ToList();
        var replicas = new List<ServerProcess>();
        var directory = Directory.CreateTempSubdirectory("datum-nginx-").FullName;
        System.Diagnostics.Process? nginx = null;
        try
        {
            foreach (var task in starting)
            {
                replicas.Add(await task);
            }
            var port = FreePort();
            var module = File.Exists(NginxStreamModule) ? $"load_module {NginxStreamModule};" : "";
            var upstreams = string.Concat(replicas.Select(r => $"server 127.0.0.1:{r.Url.Port} max_fails=1 fail_timeout=5s; "));
            await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
                {{module}}
                pid {{directory}}/nginx.pid;
                error_log {{directory}}/error.log;
                daemon off;
                events {}
                stream {
                    upstream datum { {{upstreams}} }
                    server { listen 127.0.0.1:{{port}}; proxy_pass datum; proxy_connect_timeout 2s; proxy_timeout 65m; }
                }
                """);
            nginx = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("nginx")
            {
                ArgumentList = { "-c", Path.Combine(directory, "nginx.conf"), "-p", directory, "-e", Path.Combine(directory, "error.log") },
                UseShellExecute = false,
                RedirectStandardError = true,
            })!;
            var kubeconfig = Path.Combine(directory, "lb.kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(replicas[0].KubeconfigPath))
                .Replace(replicas[0].Url.ToString().TrimEnd('/'), $"https://127.0.0.1:{port}", StringComparison.Ordinal));
            using var kubectl = new Kubectl(kubeconfig, Log);
            var ns = ServerFixture.UniqueName("lb");
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while ((await kubectl.RunAsync("create", "namespace", ns)).ExitCode != 0)
                {
                    await Task.Delay(200, deadline.Token); // nginx still starting
                }
            }
            for (var i = 0; i < 10; i++)
            {
                await kubectl.OkAsync("create", "configmap", $"before-{i}", "-n", ns);
            }
            replicas[0].Kill();
            Log("killed replica 0");
            for (var i = 0; i < 20; i++)
            {
                // nginx moves on to the next upstream when the connection is refused.
                await kubectl.OkAsync("create", "configmap", $"after-{i}", "-n", ns);
            }
            var listed = await kubectl.OkAsync("get", "configmaps", "-n", ns, "--no-headers", "-o", "name");
            Assert.Equal(30, listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("before-", StringComparison.Ordinal) || l.Contains("after-", StringComparison.Ordinal)));
        }
        finally
        {
            if (nginx is not null)
            {
                if (!nginx.HasExited)
                {
                    nginx.Kill(entireProcessTree: true);
                    await nginx.WaitForExitAsync();
                }
                nginx.Dispose();
            }
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    internal const string NginxStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fact needing kubectl and the PostgreSQL server binaries; skipped, with the reason, without them.</summary>
public sealed class PostgresKubectlFactAttribute : FactAttribute
{
    public PostgresKubectlFactAttribute()
    {
        if (Kubectl.Binary is null)
        {
            Skip = "kubectl not found on PATH or at /usr/bin/kubectl";
        }
        else if (PostgresServer.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Also needs nginx (with the stream module) on PATH.</summary>
    public bool NeedsNginx
    {
        get => false;
        init
        {
            if (value && Skip is null && !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "nginx"))))
            {
                Skip = "nginx not found on PATH (install nginx-light and libnginx-mod-stream to run the load-balancer test)";
            }
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Datum.Storage;
using Xunit.Abstractions;

namespace Datum.E2E.Tests;

/// <summary>
/// A second real client: the informer of the official JavaScript client (@kubernetes/client-node, run by node
/// from tests/clientnode) lists, watches, survives server restarts, relists after a 410 and sees every change
/// exactly once and in order.
/// </summary>
public sealed class ClientNodeInformerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;

    public ClientNodeInformerTests(ITestOutputHelper output) => _output = output;

    private void Log(string message) => _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    /// <summary>A port that was free a moment ago: the node client never re-reads its kubeconfig, so every
    /// start of the server this test talks to must keep the port.</summary>
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static Dictionary<string, string> Data(params string[] pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            d[pairs[i]] = pairs[i + 1];
        }
        return d;
    }

    private static async Task<InformerEvent> SendAsync(HttpClient http, HttpMethod method, string path, string? body, string type, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body, mediaType) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("kind").GetString() == "ConfigMap", $"{method} {path} answered {text}");
        var meta = root.GetProperty("metadata");
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("data", out var d))
        {
            foreach (var p in d.EnumerateObject())
            {
                data[p.Name] = p.Value.GetString()!;
            }
        }
        return new InformerEvent(type, meta.GetProperty("name").GetString()!,
            long.Parse(meta.GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture), data);
    }

    private static Task<InformerEvent> CreateAsync(HttpClient http, string ns, string name, Dictionary<string, string> data) =>
        SendAsync(http, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps",
            JsonSerializer.Serialize(new { apiVersion = "v1", kind = "ConfigMap", metadata = new { name }, data }), "add");

    private static Task<InformerEvent> UpdateAsync(HttpClient http, string ns, string name, Dictionary<string, string> data) =>
        SendAsync(http, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/{name}",
            JsonSerializer.Serialize(new { data }), "update", "application/merge-patch+json");

    private static Task<InformerEvent> DeleteAsync(HttpClient http, string ns, string name) =>
        SendAsync(http, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/{name}", null, "delete");

    /// <summary>The server's list, in the shape of the informer's STATE (sorted by name).</summary>
    private static async Task<(List<InformerEvent> Items, long ResourceVersion)> ServerListAsync(HttpClient http, string ns)
    {
        var text = await http.GetStringAsync($"/api/v1/namespaces/{ns}/configmaps");
        using var doc = JsonDocument.Parse(text);
        var items = doc.RootElement.GetProperty("items").EnumerateArray().Select(i =>
        {
            var meta = i.GetProperty("metadata");
            var data = new Dictionary<string, string>(StringComparer.Ordinal);
            if (i.TryGetProperty("data", out var d))
            {
                foreach (var p in d.EnumerateObject())
                {
                    data[p.Name] = p.Value.GetString()!;
                }
            }
            return new InformerEvent("item", meta.GetProperty("name").GetString()!,
                long.Parse(meta.GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture), data);
        }).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var rv = long.Parse(doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture);
        return (items, rv);
    }

    private static string Show(IEnumerable<InformerEvent> events) => string.Join("\n  ", events.Select(e => e.ToString()));

    /// <summary>Events seen while connected: exactly the changes made, once each, in order, with increasing resourceVersions.</summary>
    private static void AssertExactly(IReadOnlyList<InformerEvent> expected, IReadOnlyList<InformerEvent> seen, string phase)
    {
        var expectedText = Show(expected);
        var seenText = Show(seen);
        Assert.True(expectedText == seenText, $"{phase}: expected\n  {expectedText}\nbut the informer saw\n  {seenText}");
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].ResourceVersion > seen[i - 1].ResourceVersion, $"{phase}: resourceVersions not increasing:\n  {seenText}");
        }
    }

    /// <summary>Compacts the stopped server's history up to its newest revision, with the product's own store.</summary>
    private static async Task<long> CompactOfflineAsync(string dataDir)
    {
        var options = new RevisionedStoreOptions(Path.Combine(dataDir, "datum.db")) { CompactionInterval = TimeSpan.Zero };
        var store = await RevisionedStore.OpenSqliteAsync(options, CancellationToken.None);
        await using (store)
        {
            var revision = store.CurrentRevision;
            await store.CompactAsync(revision, CancellationToken.None);
            return store.CompactedRevision;
        }
    }

    [ClientNodeFact]
    public async Task Informer_lists_watches_survives_restarts_relists_after_410_and_sees_each_change_once_in_order()
    {
        var port = FreePort();
        await using var server = await ServerProcess.StartAsync(securePort: port);
        Log($"server {server.Url} pid {server.Pid} data {server.DataDir}");
        var ns = ServerFixture.UniqueName("cn");
        using (var r = await server.Http.PostAsync("/api/v1/namespaces", Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""")))
        {
            Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }
        var pre = await CreateAsync(server.Http, ns, "pre", Data("k", "v"));

        var informer = NodeInformer.Start(server.KubeconfigPath, ns);
        try
        {
            // 1. The initial list: the object that existed before, as one add.
            await informer.WaitForLineAsync(l => l == "SYNCED", Patience, "SYNCED");
            Assert.Single(informer.ListedSince(0));
            AssertExactly([pre], informer.EventsSince(0), "initial list");
            Log("synced");

            // 2. Changes while connected: each seen once, in order, with the resourceVersion the server answered.
            var mark = informer.Mark();
            var http = server.Http;
            List<InformerEvent> expected =
            [
                await CreateAsync(http, ns, "a", Data("n", "1")),
                await CreateAsync(http, ns, "b", Data("n", "1")),
                await UpdateAsync(http, ns, "a", Data("n", "2")),
                await UpdateAsync(http, ns, "b", Data("n", "2")),
                await DeleteAsync(http, ns, "b"),
                await CreateAsync(http, ns, "c", Data("n", "1")),
                await UpdateAsync(http, ns, "a", Data("n", "3")),
            ];
            AssertExactly(expected, await informer.WaitForEventsAsync(mark.Events, expected.Count, Patience), "connected");
            Assert.Empty(informer.ListedSince(mark.Listed));
            Assert.Empty(informer.ErrorsSince(mark.Errors));
            Log("changes while connected seen");

            // 3. SIGTERM and start again on the same data and port: the informer resumes its watch from the last
            // resourceVersion (history survives the restart, so no relist) and sees the new changes once each.
            mark = informer.Mark();
            Assert.True(await server.StopAsync(), "datum did not stop within 10 s of SIGTERM");
            await server.RestartAsync();
            Assert.Equal(port, server.Url.Port);
            Log($"restarted at {server.Url} pid {server.Pid}");
            http = server.Http;
            expected =
            [
                await UpdateAsync(http, ns, "a", Data("n", "4")),
                await CreateAsync(http, ns, "d", Data("n", "1")),
                await DeleteAsync(http, ns, "c"),
                await CreateAsync(http, ns, "e", Data("n", "1")),
            ];
            AssertExactly(expected, await informer.WaitForEventsAsync(mark.Events, expected.Count, Patience), "after a restart");
            Assert.True(informer.ListedSince(mark.Listed).Count == 0, $"the informer relisted after a plain restart:\n{informer.Transcript}");
            Log($"resumed after the restart; informer errors while the server was down: {string.Join(" | ", informer.ErrorsSince(mark.Errors))}");

            // 4. Changes the informer cannot see (the server runs on another port meanwhile), then history compacted
            // past them and the server back on its port: the watch from the old resourceVersion gets 410 Gone, the
            // informer relists and reports the difference (one event per changed object, none for the unchanged).
            var beforeOutage = (await informer.StateAsync(Patience)).Items;
            mark = informer.Mark();
            Assert.True(await server.StopAsync(), "datum did not stop within 10 s of SIGTERM");
            InformerEvent a5, f1, e2;
            await using (var hidden = await ServerProcess.StartAsync(server.DataDir))
            {
                Log($"hidden server at {hidden.Url}");
                a5 = await UpdateAsync(hidden.Http, ns, "a", Data("n", "5"));
                f1 = await CreateAsync(hidden.Http, ns, "f", Data("n", "1"));
                await UpdateAsync(hidden.Http, ns, "e", Data("n", "2"));
                await UpdateAsync(hidden.Http, ns, "e", Data("n", "3"));
                e2 = await UpdateAsync(hidden.Http, ns, "e", Data("n", "4"));
                await DeleteAsync(hidden.Http, ns, "d");
                Assert.True(await hidden.StopAsync(), "the hidden datum did not stop within 10 s of SIGTERM");
            }
            var compacted = await CompactOfflineAsync(server.DataDir);
            Log($"compacted to {compacted}; the informer's last resourceVersion was {expected[^1].ResourceVersion}");
            Assert.True(compacted > expected[^1].ResourceVersion);
            Assert.Empty(informer.EventsSince(mark.Events));

            await server.RestartAsync();
            Assert.Equal(port, server.Url.Port);
            Log($"restarted at {server.Url} pid {server.Pid}");
            var relisted = await informer.WaitForEventsAsync(mark.Events, 4, Patience);
            var listed = informer.ListedSince(mark.Listed);
            Assert.True(listed.Count == 1, $"expected one relist after the 410, saw {listed.Count}:\n{informer.Transcript}");
            Assert.Equal(compacted, long.Parse(listed[0], CultureInfo.InvariantCulture));
            // A relist reports deletions with the object as last seen, and the others as the list has them.
            var dBefore = beforeOutage.Single(i => i.Name == "d");
            InformerEvent[] relistExpected =
            [
                a5,
                f1,
                e2,
                dBefore with { Type = "delete" },
            ];
            var byName = StringComparer.Ordinal;
            Assert.True(
                Show(relistExpected.OrderBy(x => x.Name, byName)) == Show(relisted.OrderBy(x => x.Name, byName)),
                $"after the 410 relist: expected\n  {Show(relistExpected)}\nbut the informer saw\n  {Show(relisted)}");
            Log("relisted after 410");

            // 5. Watching again after the relist: new changes once each, in order.
            mark = informer.Mark();
            http = server.Http;
            expected =
            [
                await CreateAsync(http, ns, "g", Data("n", "1")),
                await UpdateAsync(http, ns, "pre", Data("k", "w")),
                await DeleteAsync(http, ns, "a"),
            ];
            AssertExactly(expected, await informer.WaitForEventsAsync(mark.Events, expected.Count, Patience), "after the relist");
            Assert.Empty(informer.ListedSince(mark.Listed));

            // The informer's cache is exactly the server's state.
            var state = await informer.StateAsync(Patience);
            var (serverItems, serverRv) = await ServerListAsync(server.Http, ns);
            Assert.True(Show(serverItems) == Show(state.Items), $"informer cache\n  {Show(state.Items)}\nserver\n  {Show(serverItems)}");
            Assert.Equal(serverRv, long.Parse(state.ResourceVersion, CultureInfo.InvariantCulture));
            Assert.Empty(informer.EventsSince(mark.Events + expected.Count));
        }
        finally
        {
            await informer.DisposeAsync();
            _output.WriteLine("--- node informer ---");
            _output.WriteLine(informer.Transcript);
        }
    }
}

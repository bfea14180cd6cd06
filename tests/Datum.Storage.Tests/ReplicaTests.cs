using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using static Datum.Storage.Tests.TestStore;

namespace Datum.Storage.Tests;

/// <summary>Several stores (replicas) on one PostgreSQL database.</summary>
public sealed class PostgresReplicaTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [StoreFact]
    public async Task A_write_through_one_replica_is_seen_by_a_watch_and_reads_on_the_other()
    {
        await using var t = await OpenAsync(StoreBackend.Postgres);
        var a = t.Store;
        var b = await t.OpenReplicaAsync();
        await using var watch = await b.WatchAsync("/", 0, None);

        var created = await a.CreateAsync("/x", WithRevision("x"), None);
        var updated = await a.UpdateAsync("/x", created.ModRevision, WithRevision("x"), None);
        var events = await ReadAsync(watch, 2);
        Assert.Equal(
            [(StorageEventType.Created, "x@1", "<null>", 1L), (StorageEventType.Updated, "x@2", "x@1", 2L)],
            events.Select(e => (e.Type, String(e.Value), String(e.PreviousValue), e.Revision)));
        await WaitUntilAsync(() => b.CurrentRevision == 2);
        var seen = (await b.GetAsync("/x", None))!;
        Assert.Equal((String(updated.Value), 1L, 2L), (String(seen.Value), seen.CreateRevision, seen.ModRevision));

        // And back: B writes at the next revision (it checked against the database, not its memory alone).
        var deleted = await b.DeleteAsync("/x", updated.ModRevision, Text("final"), None);
        Assert.Equal(3, deleted.ModRevision);
        Assert.Null(await b.GetAsync("/x", None));
        await WaitUntilAsync(() => a.CurrentRevision == 3);
        Assert.Null(await a.GetAsync("/x", None));
    }

    [StoreFact]
    public async Task A_stale_replica_gets_a_conflict_carrying_the_current_object()
    {
        await using var t = await OpenAsync(StoreBackend.Postgres);
        var a = t.Store;
        var b = await t.OpenReplicaAsync();
        var created = await a.CreateAsync("/k", Text("1"), None);
        await a.UpdateAsync("/k", created.ModRevision, Text("2"), None);
        // Whatever B has applied so far, the compare-and-swap is decided by the database.
        var conflict = await Assert.ThrowsAsync<RevisionConflictException>(() => b.UpdateAsync("/k", created.ModRevision, Text("stale"), None));
        Assert.Equal(("2", 2L), (String(conflict.Current.Value), conflict.Current.ModRevision));
        // And B has caught up with what the database judged against, so a re-read before retrying sees it.
        Assert.Equal(2, (await b.GetAsync("/k", None))!.ModRevision);
        await Assert.ThrowsAsync<KeyExistsException>(() => b.CreateAsync("/k", Text("again"), None));
        await Assert.ThrowsAsync<KeyMissingException>(() => b.UpdateAsync("/nope", 1, Text("x"), None));
    }

    [StoreFact]
    public async Task Eight_writers_on_two_replicas_lose_no_update_and_share_no_revision()
    {
        await using var t = await OpenAsync(StoreBackend.Postgres);
        var replicas = new[] { t.Store, await t.OpenReplicaAsync() };
        await replicas[0].CreateAsync("/counter", Text("0"), None);
        await using var watchA = await replicas[0].WatchAsync("/", 0, None);
        await using var watchB = await replicas[1].WatchAsync("/", 0, None);
        var revisions = new ConcurrentBag<long>();
        const int Writers = 8, Increments = 25;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var store = replicas[writer % 2];
            for (var i = 0; i < Increments; i++)
            {
                // A private key too: creates interleave with the contended counter.
                revisions.Add((await store.CreateAsync($"/own/{writer}/{i}", Text("v"), None)).ModRevision);
                while (true)
                {
                    var current = await store.GetAsync("/counter", None);
                    var next = int.Parse(String(current!.Value), CultureInfo.InvariantCulture) + 1;
                    try
                    {
                        revisions.Add((await store.UpdateAsync("/counter", current.ModRevision, Text(next.ToString(CultureInfo.InvariantCulture)), None)).ModRevision);
                        break;
                    }
                    catch (RevisionConflictException)
                    {
                        // Lost the race (on this replica or the other): read again and retry.
                    }
                }
            }
        }))).WaitAsync(TestTimeout);

        const int Total = 1 + 2 * Writers * Increments;
        Assert.Equal(Enumerable.Range(2, Total - 1).Select(i => (long)i), revisions.Order());
        foreach (var (store, watch) in new[] { (replicas[0], watchA), (replicas[1], watchB) })
        {
            // Every replica's watch sees every revision once, in order, whichever replica wrote it.
            var events = await ReadAsync(watch, Total);
            Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), events.Select(e => e.Revision));
            await WaitUntilAsync(() => store.CurrentRevision == Total);
            Assert.Equal((Writers * Increments).ToString(CultureInfo.InvariantCulture), String((await store.GetAsync("/counter", None))!.Value));
            Assert.Equal(Writers * Increments, (await store.ListAsync("/own/", new ListRequest(), None)).Items.Count);
        }
    }

    [StoreFact]
    public async Task Compaction_on_one_replica_is_seen_by_the_other()
    {
        await using var t = await OpenAsync(StoreBackend.Postgres);
        var a = t.Store;
        var b = await t.OpenReplicaAsync();
        var x = await a.CreateAsync("/x", Text("1"), None);
        for (var i = 2; i <= 10; i++)
        {
            x = await a.UpdateAsync("/x", x.ModRevision, Text(i.ToString(CultureInfo.InvariantCulture)), None);
        }
        await WaitUntilAsync(() => b.CurrentRevision == 10);
        await a.CompactAsync(8, None);
        Assert.Equal(3, await t.CountRowsAsync());
        await WaitUntilAsync(() => b.CompactedRevision == 8);
        await Assert.ThrowsAsync<RevisionCompactedException>(async () => await b.ListAsync("/", new ListRequest(8), None));
        await Assert.ThrowsAsync<RevisionCompactedException>(async () => await b.WatchAsync("/", 7, None));
        Assert.Equal("9", String((await b.ListAsync("/", new ListRequest(9), None)).Items.Single().Value));
    }

    [StoreFact]
    public async Task A_replica_that_fell_behind_a_compaction_reloads_and_ends_its_watches_with_compacted()
    {
        await using var t = await OpenAsync(StoreBackend.Postgres);
        var a = t.Store;
        var b = await t.OpenReplicaAsync();
        var x = await a.CreateAsync("/x", Text("1"), None);
        await WaitUntilAsync(() => b.CurrentRevision == 1);
        await using var watch = await b.WatchAsync("/", 1, None);

        // B stops applying while A writes and compacts away the rows B has not read yet.
        await b.ApplyGateForTests.WaitAsync();
        try
        {
            for (var i = 2; i <= 10; i++)
            {
                x = await a.UpdateAsync("/x", x.ModRevision, Text(i.ToString(CultureInfo.InvariantCulture)), None);
            }
            await a.CompactAsync(9, None);
        }
        finally
        {
            b.ApplyGateForTests.Release();
        }

        // B cannot continue its watch without a gap: it ends (clients relist), and B reloads the current state.
        var (events, error) = await DrainAsync(watch);
        Assert.Empty(events);
        Assert.IsType<RevisionCompactedException>(error);
        await WaitUntilAsync(() => b.CurrentRevision == 10);
        Assert.Equal(("10", 9L), (String((await b.GetAsync("/x", None))!.Value), b.CompactedRevision));
        await using var again = await b.WatchAsync("/", 10, None);
        await a.UpdateAsync("/x", x.ModRevision, Text("11"), None);
        Assert.Equal(11, (await ReadAsync(again, 1))[0].Revision);
    }

    [StoreFact]
    public async Task A_replica_opened_later_loads_the_state_and_replays_history_from_the_database()
    {
        await using var t = await OpenAsync(StoreBackend.Postgres);
        for (var i = 0; i < 5; i++)
        {
            await t.Store.CreateAsync($"/k/{i}", WithRevision("v"), None);
        }
        var late = await t.OpenReplicaAsync(o => o with { WatchHistoryCapacity = 1 });
        Assert.Equal(5, late.CurrentRevision);
        Assert.Equal(5, (await late.ListAsync("/k/", new ListRequest(), None)).Items.Count);
        await using var watch = await late.WatchAsync("/", 2, None);
        Assert.Equal([3L, 4L, 5L], (await ReadAsync(watch, 3)).Select(e => e.Revision));
    }

    [StoreFact]
    public async Task Shared_files_are_created_once_and_copied_to_every_replica_even_when_they_start_together()
    {
        var server = await PostgresServer.GetAsync();
        var endpoint = await server.CreateDatabaseAsync();
        var created = 0;
        var root = Path.Combine(Path.GetTempPath(), "datum-shared-files-" + Guid.NewGuid().ToString("N"));
        try
        {
            var contents = await Task.WhenAll(Enumerable.Range(0, 4).Select(replica => Task.Run(async () =>
            {
                var directory = Path.Combine(root, replica.ToString(CultureInfo.InvariantCulture));
                var path = Path.Combine(directory, "pki", "ca.key");
                await Postgres.PostgresSharedFiles.SynchronizeAsync(endpoint, directory, ["pki/ca.key"], async ct =>
                {
                    if (!File.Exists(path))
                    {
                        Interlocked.Increment(ref created);
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        await File.WriteAllTextAsync(path, Guid.NewGuid().ToString(), ct);
                    }
                    return 0;
                }, None);
                return await File.ReadAllTextAsync(path);
            }))).WaitAsync(TestTimeout);
            Assert.Equal(1, created);
            Assert.Single(contents.Distinct());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [StoreFact]
    public async Task A_postgres_restart_under_load_keeps_every_acknowledged_write_and_watches_resume()
    {
        var server = await PostgresServer.StartDedicatedAsync();
        try
        {
            var endpoint = await server.CreateDatabaseAsync();
            var options = new RevisionedStoreOptions("unused") { DatastoreEndpoint = endpoint, CompactionInterval = TimeSpan.Zero };
            await using var a = await RevisionedStore.OpenAsync(options, None);
            await using var b = await RevisionedStore.OpenAsync(options, None);
            await using var watch = await b.WatchAsync("/", 0, None);
            var acknowledged = new ConcurrentDictionary<string, long>();
            using var stop = new CancellationTokenSource();
            var failures = 0;
            var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
            {
                var store = writer % 2 == 0 ? a : b;
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var key = $"/w/{writer}/{i}";
                        acknowledged[key] = (await store.CreateAsync(key, Text("v"), None)).ModRevision;
                    }
                    catch (Exception ex) when (ex is not StorageException)
                    {
                        // The database is restarting: this write was not acknowledged.
                        Interlocked.Increment(ref failures);
                        await Task.Delay(20);
                    }
                }
            })).ToList();

            await WaitUntilAsync(() => acknowledged.Count >= 50);
            server.Restart();
            var afterRestart = acknowledged.Count;
            await WaitUntilAsync(() => acknowledged.Count >= afterRestart + 50);
            await stop.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(TestTimeout);

            var newest = acknowledged.Values.Max();
            foreach (var store in new[] { a, b })
            {
                await WaitUntilAsync(() => store.CurrentRevision >= newest);
                var keys = (await store.ListAsync("/w/", new ListRequest(), None)).Items.Select(i => i.Key).ToHashSet();
                Assert.All(acknowledged.Keys, k => Assert.Contains(k, keys));
            }
            // B's watch went on across the restart: every revision once, in order.
            var events = await ReadAsync(watch, (int)b.CurrentRevision);
            Assert.Equal(Enumerable.Range(1, (int)b.CurrentRevision).Select(i => (long)i), events.Select(e => e.Revision));
            // A fresh replica reads the same state from disk.
            await using var c = await RevisionedStore.OpenAsync(options, None);
            Assert.Equal(b.CurrentRevision, c.CurrentRevision);
        }
        finally
        {
            server.Stop();
        }
    }
}

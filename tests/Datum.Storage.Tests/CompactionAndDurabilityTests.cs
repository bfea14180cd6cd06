using Microsoft.Data.Sqlite;
using static Datum.Storage.Tests.TestStore;

namespace Datum.Storage.Tests;

public abstract class CompactionAndDurabilityTests
{
    /// <summary>The log the tests run against.</summary>
    protected abstract StoreBackend Backend { get; }

    internal Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null) => TestStore.OpenAsync(Backend, configure);

    private protected static readonly CancellationToken None = CancellationToken.None;


    [StoreFact]
    public async Task Data_and_revisions_survive_reopen_and_continue_increasing()
    {
        await using var t = await OpenAsync();
        var a = await t.Store.CreateAsync("/a", Text("a1"), None);
        await t.Store.UpdateAsync("/a", a.ModRevision, Text("a2"), None);
        var b = await t.Store.CreateAsync("/b", Text("b"), None);
        await t.Store.DeleteAsync("/b", b.ModRevision, Text("b-final"), None);
        await t.Store.CreateAsync("/c", Text("c"), None);

        await t.ReopenAsync();
        Assert.Equal(5, t.Store.CurrentRevision);
        var a2 = (await t.Store.GetAsync("/a", None))!;
        Assert.Equal(("a2", 1L, 2L), (String(a2.Value), a2.CreateRevision, a2.ModRevision));
        Assert.Null(await t.Store.GetAsync("/b", None));
        Assert.Equal(["/a", "/c"], (await t.Store.ListAsync("/", new ListRequest(), None)).Items.Select(i => i.Key));
        Assert.Equal(6, (await t.Store.UpdateAsync("/a", 2, Text("a3"), None)).ModRevision);
    }

    [StoreFact]
    public async Task Compaction_removes_superseded_history_and_keeps_the_current_state()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        var x = await store.CreateAsync("/x", Text("x1"), None);            // 1
        x = await store.UpdateAsync("/x", x.ModRevision, Text("x2"), None); // 2
        var y = await store.CreateAsync("/y", Text("y1"), None);            // 3
        await store.DeleteAsync("/y", y.ModRevision, Text("y-final"), None); // 4
        x = await store.UpdateAsync("/x", x.ModRevision, Text("x3"), None); // 5
        await store.CreateAsync("/z", Text("z1"), None);                    // 6
        Assert.Equal(6, await t.CountRowsAsync());

        await store.CompactAsync(4, None);
        // Rows 1, 3 (superseded), 4 (tombstone) go; 2 stays: it is /x as of revision 4.
        Assert.Equal(3, await t.CountRowsAsync());
        var at5 = await store.ListAsync("/", new ListRequest(5), None);
        Assert.Equal([("/x", "x3")], at5.Items.Select(i => (i.Key, String(i.Value))));
        Assert.Equal(["/x", "/z"], (await store.ListAsync("/", new ListRequest(), None)).Items.Select(i => i.Key));

        // Compacting again lower is a no-op; the future is refused.
        await store.CompactAsync(2, None);
        Assert.Equal(4, store.CompactedRevision);
        await Assert.ThrowsAsync<FutureRevisionException>(() => store.CompactAsync(7, None));
    }

    [StoreFact]
    public async Task Compacting_away_a_trailing_tombstone_does_not_move_the_revision_back_after_reopen()
    {
        await using var t = await OpenAsync();
        var a = await t.Store.CreateAsync("/a", Text("a"), None);
        await t.Store.CreateAsync("/b", Text("b"), None);
        await t.Store.DeleteAsync("/a", a.ModRevision, Text("a-final"), None);
        await t.Store.CompactAsync(3, None);
        await t.ReopenAsync();
        Assert.Equal(3, t.Store.CurrentRevision);
        Assert.Equal(3, t.Store.CompactedRevision);
        Assert.Null(await t.Store.GetAsync("/a", None));
        Assert.Equal(4, (await t.Store.CreateAsync("/a", Text("again"), None)).ModRevision);
    }

    [StoreFact]
    public async Task Compaction_is_safe_alongside_concurrent_writes()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        for (var i = 0; i < 8; i++)
        {
            await store.CreateAsync($"/k/{i}", Text("0"), None);
        }
        var writers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var current = (await store.GetAsync($"/k/{i}", None))!;
            for (var n = 1; n <= 100; n++)
            {
                current = await store.UpdateAsync(current.Key, current.ModRevision, Text(n.ToString(System.Globalization.CultureInfo.InvariantCulture)), None);
            }
        })).ToList();
        while (!writers.All(w => w.IsCompleted))
        {
            await store.CompactAsync(store.CurrentRevision, None);
            await Task.Yield();
        }
        await Task.WhenAll(writers).WaitAsync(TestTimeout);
        await store.CompactAsync(store.CurrentRevision, None);

        Assert.Equal(8, await t.CountRowsAsync());
        await t.ReopenAsync();
        var items = (await t.Store.ListAsync("/k/", new ListRequest(), None)).Items;
        Assert.All(items, i => Assert.Equal("100", String(i.Value)));
        Assert.Equal(8 + 800, t.Store.CurrentRevision);
    }

    [StoreFact]
    public async Task Background_compaction_respects_retention_and_minimum_history()
    {
        var clock = new ManualTimeProvider();
        await using var t = await OpenAsync(o => o with
        {
            TimeProvider = clock,
            CompactionRetention = TimeSpan.FromMinutes(5),
            MinRetainedRevisions = 10,
        });
        var store = t.Store;
        for (var i = 0; i < 30; i++)
        {
            await store.CreateAsync($"/old/{i}", Text("v"), None);
            // Further apart than the timeline's sampling, so each of these revisions is dated exactly.
            clock.Advance(TimeSpan.FromSeconds(5));
        }
        // Nothing is older than the retention yet.
        Assert.Equal(0, await store.RunCompactionPassAsync(None));

        clock.Advance(TimeSpan.FromMinutes(5));
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync($"/new/{i}", Text("v"), None);
        }
        // Revisions 1..30 are old enough, but only up to 35 - 10 = 25 may go.
        Assert.Equal(25, await store.RunCompactionPassAsync(None));
        Assert.Equal(25, store.CompactedRevision);
        Assert.Equal(0, await store.RunCompactionPassAsync(None));

        for (var i = 0; i < 20; i++)
        {
            await store.CreateAsync($"/newer/{i}", Text("v"), None);
        }
        // Now 55 - 10 = 45 would be allowed, but only revisions up to 30 are older than the retention.
        Assert.Equal(30, await store.RunCompactionPassAsync(None));
        Assert.Equal(55, (await store.ListAsync("/", new ListRequest(), None)).Items.Count);
    }


    [StoreFact]
    public async Task The_background_loop_compacts_on_its_own()
    {
        await using var t = await OpenAsync(o => o with
        {
            CompactionInterval = TimeSpan.FromMilliseconds(10),
            CompactionRetention = TimeSpan.Zero,
            MinRetainedRevisions = 2,
        });
        var a = await t.Store.CreateAsync("/a", Text("1"), None);
        for (var i = 2; i <= 10; i++)
        {
            a = await t.Store.UpdateAsync("/a", a.ModRevision, Text(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), None);
        }

        using var timeout = new CancellationTokenSource(TestTimeout);
        while (t.Store.CompactedRevision < 8)
        {
            await Task.Delay(10, timeout.Token);
        }
        Assert.Equal(8, t.Store.CompactedRevision);
        Assert.Equal("10", String((await t.Store.GetAsync("/a", None))!.Value));
        Assert.Equal(3, await t.CountRowsAsync());
    }
}

/// <summary>The contract on SQLite, plus what only SQLite has.</summary>
public sealed class SqliteCompactionAndDurabilityTests : CompactionAndDurabilityTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Sqlite;

    private static async Task ExecuteRawAsync(string databasePath, string sql)
    {
        await using var raw = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }


    [StoreFact]
    public async Task An_acknowledged_write_is_in_the_files_a_crash_would_leave()
    {
        await using var t = await OpenAsync();
        for (var i = 0; i < 10; i++)
        {
            await t.Store.CreateAsync($"/k/{i}", WithRevision("v"), None);
        }

        // Copy the database and its WAL while the store is still running, as a kill -9 would leave them.
        var crashed = Path.Combine(t.Directory, "crashed");
        Directory.CreateDirectory(crashed);
        foreach (var suffix in new[] { "", "-wal" })
        {
            File.Copy(t.DatabasePath + suffix, Path.Combine(crashed, "store.db" + suffix));
        }

        await using var recovered = await RevisionedStore.OpenSqliteAsync(new RevisionedStoreOptions(Path.Combine(crashed, "store.db")) { CompactionInterval = TimeSpan.Zero }, None);
        Assert.Equal(10, recovered.CurrentRevision);
        Assert.Equal("v@10", String((await recovered.GetAsync("/k/9", None))!.Value));
        Assert.Equal(11, (await recovered.CreateAsync("/k/10", Text("v"), None)).ModRevision);
    }

    [StoreFact]
    public async Task A_failed_commit_fails_its_writes_and_leaves_memory_and_watches_untouched()
    {
        await using var t = await OpenAsync();
        await t.Store.CreateAsync("/a", Text("a"), None);
        await ExecuteRawAsync(t.DatabasePath, "CREATE TRIGGER poison BEFORE INSERT ON log WHEN NEW.key = '/poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
        await using var watch = await t.Store.WatchAsync("/", 1, None);

        var error = await Assert.ThrowsAsync<SqliteException>(() => t.Store.CreateAsync("/poison", Text("p"), None));
        Assert.Contains("poisoned", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, t.Store.CurrentRevision);
        Assert.Null(await t.Store.GetAsync("/poison", None));

        // The revision the failed write had is handed out again, and the watch never saw the failed write.
        Assert.Equal(2, (await t.Store.CreateAsync("/b", Text("b"), None)).ModRevision);
        var events = await ReadAsync(watch, 1);
        Assert.Equal(("/b", 2L), (events[0].Key, events[0].Revision));
        await t.ReopenAsync();
        Assert.Equal(["/a", "/b"], (await t.Store.ListAsync("/", new ListRequest(), None)).Items.Select(i => i.Key));
    }

    [StoreFact]
    public async Task A_log_changed_behind_the_store_stops_it_from_writing()
    {
        await using var t = await OpenAsync();
        await t.Store.CreateAsync("/a", Text("a"), None);
        await ExecuteRawAsync(t.DatabasePath, "INSERT INTO log (rev, key, create_rev, prev_rev, deleted, value) VALUES (2, '/intruder', 2, 0, 0, x'00')");

        await Assert.ThrowsAsync<SqliteException>(() => t.Store.CreateAsync("/b", Text("b"), None));
        var fault = await Assert.ThrowsAsync<InvalidOperationException>(() => t.Store.CreateAsync("/c", Text("c"), None));
        Assert.Contains("reopen", fault.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => t.Store.CompactAsync(1, None));

        // Reopening reloads the log as it really is.
        await t.ReopenAsync();
        Assert.Equal(2, t.Store.CurrentRevision);
        Assert.Equal(3, (await t.Store.CreateAsync("/c", Text("c"), None)).ModRevision);
    }
}

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresCompactionAndDurabilityTests : CompactionAndDurabilityTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Postgres;
}

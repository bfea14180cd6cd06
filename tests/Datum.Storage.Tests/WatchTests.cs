using static Datum.Storage.Tests.TestStore;

namespace Datum.Storage.Tests;

public abstract class WatchTests
{
    /// <summary>The log the tests run against.</summary>
    protected abstract StoreBackend Backend { get; }

    internal Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null) => TestStore.OpenAsync(Backend, configure);

    private protected static readonly CancellationToken None = CancellationToken.None;

    [StoreFact]
    public async Task A_watch_sees_concurrent_writes_exactly_once_in_order()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await store.CreateAsync("/before", Text("x"), None);
        await using var watch = await store.WatchAsync("/", store.CurrentRevision, None);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await store.CreateAsync($"/w/{writer}/{i}", Text("v"), None);
            }
        }))).WaitAsync(TestTimeout);

        var events = await ReadAsync(watch, 1000);
        Assert.Equal(Enumerable.Range(2, 1000).Select(i => (long)i), events.Select(e => e.Revision));
        Assert.All(events, e => Assert.Equal(StorageEventType.Created, e.Type));
        Assert.Equal(1000, events.Select(e => e.Key).Distinct().Count());
        Assert.False(TryReadNow(watch, out _));
    }

    [StoreFact]
    public async Task Watches_started_during_writes_have_no_gap_or_duplicate()
    {
        await using var t = await OpenAsync(o => o with { WatchHistoryCapacity = 16 });
        var store = t.Store;
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 400; i++)
            {
                await store.CreateAsync($"/k/{i}", Text("v"), None);
            }
        });

        var watches = new List<(long After, IStorageWatch Watch)>();
        for (var i = 0; i < 20; i++)
        {
            var after = store.CurrentRevision / 2;
            watches.Add((after, await store.WatchAsync("/", after, None)));
            await Task.Yield();
        }
        await writing.WaitAsync(TestTimeout);

        foreach (var (after, watch) in watches)
        {
            var events = await ReadAsync(watch, (int)(400 - after));
            Assert.Equal(Enumerable.Range((int)after + 1, (int)(400 - after)).Select(i => (long)i), events.Select(e => e.Revision));
            await watch.DisposeAsync();
        }
    }

    [StoreFact]
    public async Task Events_carry_new_and_previous_values()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await using var watch = await store.WatchAsync("/", 0, None);
        var created = await store.CreateAsync("/a", Text("v1"), None);
        var updated = await store.UpdateAsync("/a", created.ModRevision, Text("v2"), None);
        await store.DeleteAsync("/a", updated.ModRevision, Text("final"), None);

        var events = await ReadAsync(watch, 3);
        Assert.Equal(
            [
                (StorageEventType.Created, "/a", "v1", "<null>", 1L),
                (StorageEventType.Updated, "/a", "v2", "v1", 2L),
                (StorageEventType.Deleted, "/a", "final", "v2", 3L),
            ],
            events.Select(e => (e.Type, e.Key, String(e.Value), String(e.PreviousValue), e.Revision)));
    }

    [StoreFact]
    public async Task A_watch_only_sees_its_prefix()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await using var watch = await store.WatchAsync("/t1/", 0, None);
        await store.CreateAsync("/t1/a", Text("x"), None);
        await store.CreateAsync("/t10/a", Text("x"), None);
        await store.CreateAsync("/t2/a", Text("x"), None);
        await store.CreateAsync("/t1/b", Text("x"), None);
        watch.RequestProgress();

        var events = await ReadAsync(watch, 3);
        Assert.Equal(["/t1/a", "/t1/b", ""], events.Select(e => e.Key));
        Assert.Equal(StorageEventType.Progress, events[2].Type);
        Assert.Equal(4, events[2].Revision);
    }

    [StoreFact]
    public async Task Watches_of_different_tenants_see_only_their_own_events_and_progress_reaches_the_newest_revision()
    {
        // Prefixes with three or more '/' are delivered by bucket (/registry/{tenant}/); shorter ones see everything.
        await using var t = await OpenAsync();
        var store = t.Store;
        await using var a = await store.WatchAsync("/registry/a/things/", 0, None);
        await using var b = await store.WatchAsync("/registry/b/", 0, None);
        await using var all = await store.WatchAsync("/registry/", 0, None);
        var gone = await store.WatchAsync("/registry/c/", 0, None);
        await gone.DisposeAsync();
        await store.CreateAsync("/registry/a/things/1", Text("x"), None);
        await store.CreateAsync("/registry/ab/things/1", Text("x"), None);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.CreateAsync($"/registry/{(i % 2 == 0 ? "b" : "c")}/k/{i}", Text("x"), None)));
        await store.CreateAsync("/registry/a/other/1", Text("x"), None);
        a.RequestProgress();
        b.RequestProgress();

        var aEvents = await ReadAsync(a, 2);
        Assert.Equal(["/registry/a/things/1", ""], aEvents.Select(e => e.Key));
        Assert.Equal(StorageEventType.Progress, aEvents[1].Type);
        Assert.Equal(store.CurrentRevision, aEvents[1].Revision);
        var bEvents = await ReadAsync(b, 11);
        Assert.Equal(10, bEvents.Count(e => e.Key.StartsWith("/registry/b/k/", StringComparison.Ordinal)));
        Assert.Equal(store.CurrentRevision, bEvents[10].Revision);
        var allEvents = await ReadAsync(all, 23);
        Assert.Equal(Enumerable.Range(1, 23).Select(i => (long)i), allEvents.Select(e => e.Revision));
        Assert.False(TryReadNow(a, out _));

        // A new watch in a bucket whose last watch ended is delivered to again.
        await using var c = await store.WatchAsync("/registry/c/", store.CurrentRevision, None);
        await store.CreateAsync("/registry/c/late", Text("x"), None);
        Assert.Equal("/registry/c/late", (await ReadAsync(c, 1))[0].Key);
    }

    private static async Task<List<(StorageEventType, string, string, string, long)>> HistoryAsync(TestStore t)
    {
        var store = t.Store;
        var a = await store.CreateAsync("/h/a", Text("a1"), None);
        await store.CreateAsync("/other/x", Text("x"), None);
        var a2 = await store.UpdateAsync("/h/a", a.ModRevision, Text("a2"), None);
        await store.CreateAsync("/h/b", Text("b1"), None);
        await store.DeleteAsync("/h/a", a2.ModRevision, Text("a-final"), None);
        await store.CreateAsync("/h/a", Text("a-again"), None);
        return
        [
            (StorageEventType.Updated, "/h/a", "a2", "a1", 3),
            (StorageEventType.Created, "/h/b", "b1", "<null>", 4),
            (StorageEventType.Deleted, "/h/a", "a-final", "a2", 5),
            (StorageEventType.Created, "/h/a", "a-again", "<null>", 6),
        ];
    }

    private static async Task AssertReplayAsync(IRevisionedStore store, long after, List<(StorageEventType, string, string, string, long)> expected)
    {
        await using var watch = await store.WatchAsync("/h/", after, None);
        var events = await ReadAsync(watch, expected.Count);
        Assert.Equal(expected, events.Select(e => (e.Type, e.Key, String(e.Value), String(e.PreviousValue), e.Revision)));

        // And then it is live.
        await store.CreateAsync($"/h/live-{after}-{store.CurrentRevision}", Text("live"), None);
        var live = await ReadAsync(watch, 1);
        Assert.Equal(store.CurrentRevision, live[0].Revision);
    }

    [StoreFact]
    public async Task Replays_history_from_memory()
    {
        await using var t = await OpenAsync();
        var expected = await HistoryAsync(t);
        await AssertReplayAsync(t.Store, 2, expected);
    }

    [StoreFact]
    public async Task Replays_history_from_the_log_when_memory_does_not_reach_back()
    {
        await using var t = await OpenAsync(o => o with { WatchHistoryCapacity = 1 });
        var expected = await HistoryAsync(t);
        await AssertReplayAsync(t.Store, 2, expected);
    }

    [StoreFact]
    public async Task Replays_history_from_the_log_after_reopen()
    {
        await using var t = await OpenAsync();
        var expected = await HistoryAsync(t);
        await t.ReopenAsync();
        await AssertReplayAsync(t.Store, 2, expected);
    }

    [StoreFact]
    public async Task A_replay_longer_than_the_buffer_applies_back_pressure_instead_of_dropping()
    {
        await using var t = await OpenAsync(o => o with { WatchChannelCapacity = 4, WatchHistoryCapacity = 64 });
        for (var i = 0; i < 3000; i++)
        {
            await t.Store.CreateAsync($"/p/{i:D4}", Text("v"), None);
        }
        // 3000 events: most come from the log, the last 64 from memory, all through a 4-slot buffer.
        await using var watch = await t.Store.WatchAsync("/p/", 0, None);
        var events = await ReadAsync(watch, 3000);
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), events.Select(e => e.Revision));
    }

    [StoreFact]
    public async Task A_watch_below_the_compacted_revision_is_refused()
    {
        await using var t = await OpenAsync();
        await HistoryAsync(t);
        await t.Store.CompactAsync(4, None);

        var error = await Assert.ThrowsAsync<RevisionCompactedException>(async () => await t.Store.WatchAsync("/h/", 3, None));
        Assert.Equal(3, error.Requested);
        Assert.Equal(4, error.Compacted);

        // At the compacted revision itself it is fine: everything after it is kept.
        await using var watch = await t.Store.WatchAsync("/h/", 4, None);
        var events = await ReadAsync(watch, 2);
        Assert.Equal([5L, 6L], events.Select(e => e.Revision));
    }

    [StoreFact]
    public async Task A_watch_below_the_compacted_revision_after_reopen_is_refused_and_above_replays_from_the_log()
    {
        await using var t = await OpenAsync();
        var expected = await HistoryAsync(t);
        await t.Store.CompactAsync(4, None);
        await t.ReopenAsync();
        Assert.Equal(4, t.Store.CompactedRevision);
        await Assert.ThrowsAsync<RevisionCompactedException>(async () => await t.Store.WatchAsync("/h/", 3, None));
        await AssertReplayAsync(t.Store, 4, expected.Skip(2).ToList());
    }

    [StoreFact]
    public async Task Progress_comes_after_pending_events_with_a_safe_revision()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await using var watch = await store.WatchAsync("/", 0, None);
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync($"/k/{i}", Text("v"), None);
        }
        watch.RequestProgress();
        var events = await ReadAsync(watch, 6);
        Assert.Equal([1L, 2, 3, 4, 5], events.Take(5).Select(e => e.Revision));
        Assert.Equal(StorageEventType.Progress, events[5].Type);
        Assert.Equal(5, events[5].Revision);
        Assert.Empty(events[5].Value);
        Assert.Null(events[5].PreviousValue);
    }

    [StoreFact]
    public async Task Progress_requested_during_a_replay_follows_the_replay()
    {
        await using var t = await OpenAsync(o => o with { WatchChannelCapacity = 2, WatchHistoryCapacity = 1 });
        for (var i = 0; i < 50; i++)
        {
            await t.Store.CreateAsync($"/k/{i}", Text("v"), None);
        }
        await using var watch = await t.Store.WatchAsync("/", 0, None);
        watch.RequestProgress();
        var events = await ReadAsync(watch, 51);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), events.Take(50).Select(e => e.Revision));
        Assert.Equal(StorageEventType.Progress, events[50].Type);
        Assert.Equal(50, events[50].Revision);
    }

    [StoreFact]
    public async Task A_consumer_that_falls_behind_is_dropped_with_overflow()
    {
        await using var t = await OpenAsync(o => o with { WatchChannelCapacity = 3 });
        var store = t.Store;
        await using var slow = await store.WatchAsync("/", 0, None);
        await using var fast = await store.WatchAsync("/", 0, None);
        var fastEvents = new List<StorageEvent>();
        for (var i = 0; i < 10; i++)
        {
            await store.CreateAsync($"/k/{i}", Text("v"), None);
            fastEvents.AddRange(await ReadAsync(fast, 1));
        }

        var (events, error) = await DrainAsync(slow);
        Assert.Equal([1L, 2, 3], events.Select(e => e.Revision));
        Assert.IsType<WatchOverflowException>(error);
        Assert.Equal(10, fastEvents.Count);
    }

    [StoreFact]
    public async Task Disposing_the_store_completes_watches_normally()
    {
        var t = await OpenAsync();
        await using (t)
        {
            var watch = await t.Store.WatchAsync("/", 0, None);
            await t.Store.CreateAsync("/a", Text("v"), None);
            await t.Store.DisposeAsync();
            var (events, error) = await DrainAsync(watch);
            Assert.Single(events);
            Assert.Null(error);
            await watch.DisposeAsync();
        }
    }

    [StoreFact]
    public async Task Disposing_a_watch_completes_its_reader_and_stops_delivery()
    {
        await using var t = await OpenAsync();
        var watch = await t.Store.WatchAsync("/", 0, None);
        await t.Store.CreateAsync("/a", Text("v"), None);
        await watch.DisposeAsync();
        await t.Store.CreateAsync("/b", Text("v"), None);
        var (events, error) = await DrainAsync(watch);
        Assert.Null(error);
        Assert.True(events.Count <= 1);
    }

    [StoreFact]
    public async Task A_watch_from_a_future_revision_starts_there()
    {
        await using var t = await OpenAsync();
        await using var watch = await t.Store.WatchAsync("/", 3, None);
        for (var i = 0; i < 5; i++)
        {
            await t.Store.CreateAsync($"/k/{i}", Text("v"), None);
        }
        var events = await ReadAsync(watch, 2);
        Assert.Equal([4L, 5], events.Select(e => e.Revision));
    }
}

/// <summary>The contract on SQLite.</summary>
public sealed class SqliteWatchTests : WatchTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Sqlite;
}

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresWatchTests : WatchTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Postgres;
}

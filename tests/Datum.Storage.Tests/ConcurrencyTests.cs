using System.Collections.Concurrent;
using System.Text;
using static Datum.Storage.Tests.TestStore;

namespace Datum.Storage.Tests;

public abstract class ConcurrencyTests
{
    /// <summary>The log the tests run against.</summary>
    protected abstract StoreBackend Backend { get; }

    internal Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null) => TestStore.OpenAsync(Backend, configure);

    private protected static readonly CancellationToken None = CancellationToken.None;

    [StoreFact]
    public async Task Concurrent_compare_and_swap_loses_no_update()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await store.CreateAsync("/counter", _ => Encoding.UTF8.GetBytes("0"), None);
        var conflicts = 0;

        async Task IncrementAsync()
        {
            for (var i = 0; i < 50; i++)
            {
                while (true)
                {
                    var current = (await store.GetAsync("/counter", None))!;
                    var next = int.Parse(Encoding.UTF8.GetString(current.Value), System.Globalization.CultureInfo.InvariantCulture) + 1;
                    try
                    {
                        await store.UpdateAsync("/counter", current.ModRevision, _ => Encoding.UTF8.GetBytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture)), None);
                        break;
                    }
                    catch (RevisionConflictException)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(IncrementAsync))).WaitAsync(TestTimeout);

        var final = (await store.GetAsync("/counter", None))!;
        Assert.Equal("800", Encoding.UTF8.GetString(final.Value));
        // Every successful update took exactly one revision; conflicts took none.
        Assert.Equal(801, final.ModRevision);
        Assert.Equal(801, store.CurrentRevision);
    }

    [StoreFact]
    public async Task Concurrent_creates_get_distinct_gapless_revisions()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        var results = new ConcurrentBag<StoredObject>();
        var encoded = new ConcurrentDictionary<string, long>();

        await Task.WhenAll(Enumerable.Range(0, 32).Select(writer => Task.Run(async () =>
        {
            long last = 0;
            for (var i = 0; i < 40; i++)
            {
                var key = $"/c/{writer}/{i}";
                var created = await store.CreateAsync(key, revision => { encoded[key] = revision; return [1]; }, None);
                // Sequential writes of one task see increasing revisions.
                Assert.True(created.ModRevision > last);
                last = created.ModRevision;
                results.Add(created);
            }
        }))).WaitAsync(TestTimeout);

        var revisions = results.Select(r => r.ModRevision).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 32 * 40).Select(i => (long)i), revisions);
        Assert.All(results, r => Assert.Equal(encoded[r.Key], r.ModRevision));
        Assert.Equal(32 * 40, store.CurrentRevision);
    }

    [StoreFact]
    public async Task Concurrent_creates_of_one_key_let_exactly_one_win()
    {
        await using var t = await OpenAsync();
        var attempts = Enumerable.Range(0, 64).Select(i => t.Store.CreateAsync("/one", Text($"writer {i}"), None)).ToList();
        var outcomes = await Task.WhenAll(attempts.Select(async a =>
        {
            try
            {
                await a;
                return true;
            }
            catch (KeyExistsException)
            {
                return false;
            }
        })).WaitAsync(TestTimeout);
        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(1, t.Store.CurrentRevision);
    }

    [StoreFact]
    public async Task Writes_queued_before_dispose_complete()
    {
        var t = await OpenAsync();
        await using (t)
        {
            var writes = Enumerable.Range(0, 100).Select(i => t.Store.CreateAsync($"/d/{i}", Text("x"), None)).ToList();
            await t.Store.DisposeAsync();
            foreach (var write in writes)
            {
                // Either committed or refused, never left hanging.
                var finished = await Task.WhenAny(write, Task.Delay(TestTimeout));
                Assert.Same(write, finished);
                Assert.True(write.IsCompletedSuccessfully || write.Exception?.InnerException is ObjectDisposedException);
            }
            await t.ReopenAsync();
            var page = await t.Store.ListAsync("/d/", new ListRequest(), None);
            Assert.Equal(writes.Count(w => w.IsCompletedSuccessfully), page.Items.Count);
        }
    }
}

/// <summary>The contract on SQLite.</summary>
public sealed class SqliteConcurrencyTests : ConcurrencyTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Sqlite;
}

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresConcurrencyTests : ConcurrencyTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Postgres;
}

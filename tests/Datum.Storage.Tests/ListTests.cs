using static Datum.Storage.Tests.TestStore;

namespace Datum.Storage.Tests;

public abstract class ListTests
{
    /// <summary>The log the tests run against.</summary>
    protected abstract StoreBackend Backend { get; }

    internal Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null) => TestStore.OpenAsync(Backend, configure);

    private protected static readonly CancellationToken None = CancellationToken.None;

    private static async Task SeedAsync(IRevisionedStore store)
    {
        foreach (var name in new[] { "c", "a", "e", "b", "d" })
        {
            await store.CreateAsync($"/r/ns1/{name}", Text(name), None);
        }
        await store.CreateAsync("/r/ns10/x", Text("x"), None);
        await store.CreateAsync("/r/ns2/y", Text("y"), None);
        await store.CreateAsync("/q/z", Text("z"), None);
    }

    private static async Task<List<StoredObject>> ListAllAsync(IRevisionedStore store, string prefix, long revision, int limit, Func<StoredObject, bool>? filter = null)
    {
        var all = new List<StoredObject>();
        string? after = null;
        long pageRevision = revision;
        while (true)
        {
            var page = await store.ListAsync(prefix, new ListRequest(pageRevision, after, limit, filter), None);
            Assert.True(page.Items.Count <= limit);
            all.AddRange(page.Items);
            pageRevision = page.Revision;
            if (!page.HasMore)
            {
                return all;
            }
            Assert.Equal(limit, page.Items.Count);
            after = page.Items[^1].Key;
        }
    }

    [StoreFact]
    public async Task Lists_by_prefix_in_ordinal_order()
    {
        await using var t = await OpenAsync();
        await SeedAsync(t.Store);
        var page = await t.Store.ListAsync("/r/ns1/", new ListRequest(), None);
        Assert.Equal(["/r/ns1/a", "/r/ns1/b", "/r/ns1/c", "/r/ns1/d", "/r/ns1/e"], page.Items.Select(i => i.Key));
        Assert.False(page.HasMore);
        Assert.Equal(t.Store.CurrentRevision, page.Revision);

        var r = await t.Store.ListAsync("/r/", new ListRequest(), None);
        Assert.Equal(7, r.Items.Count);
        var everything = await t.Store.ListAsync("", new ListRequest(), None);
        Assert.Equal(8, everything.Items.Count);
        Assert.Empty((await t.Store.ListAsync("/nothing/", new ListRequest(), None)).Items);
    }

    [StoreFact]
    public async Task Paginates_with_limit_and_start_after()
    {
        await using var t = await OpenAsync();
        await SeedAsync(t.Store);

        var first = await t.Store.ListAsync("/r/ns1/", new ListRequest(Limit: 2), None);
        Assert.Equal(["/r/ns1/a", "/r/ns1/b"], first.Items.Select(i => i.Key));
        Assert.True(first.HasMore);

        var exact = await t.Store.ListAsync("/r/ns1/", new ListRequest(Limit: 5), None);
        Assert.Equal(5, exact.Items.Count);
        Assert.False(exact.HasMore);

        var tail = await t.Store.ListAsync("/r/ns1/", new ListRequest(StartAfter: "/r/ns1/c", Limit: 2), None);
        Assert.Equal(["/r/ns1/d", "/r/ns1/e"], tail.Items.Select(i => i.Key));
        Assert.False(tail.HasMore);

        // A continue key that is not itself a stored key still positions correctly.
        var between = await t.Store.ListAsync("/r/ns1/", new ListRequest(StartAfter: "/r/ns1/bb"), None);
        Assert.Equal(["/r/ns1/c", "/r/ns1/d", "/r/ns1/e"], between.Items.Select(i => i.Key));

        for (var limit = 1; limit <= 8; limit++)
        {
            var all = await ListAllAsync(t.Store, "/r/", 0, limit);
            Assert.Equal(["/r/ns1/a", "/r/ns1/b", "/r/ns1/c", "/r/ns1/d", "/r/ns1/e", "/r/ns10/x", "/r/ns2/y"], all.Select(i => i.Key));
        }
    }

    [StoreFact]
    public async Task Filter_applies_before_the_limit()
    {
        await using var t = await OpenAsync();
        await SeedAsync(t.Store);
        static bool Vowel(StoredObject o) => "ae".Contains(o.Key[^1], StringComparison.Ordinal);

        var page = await t.Store.ListAsync("/r/ns1/", new ListRequest(Limit: 1, Filter: Vowel), None);
        Assert.Equal(["/r/ns1/a"], page.Items.Select(i => i.Key));
        Assert.True(page.HasMore);
        var next = await t.Store.ListAsync("/r/ns1/", new ListRequest(StartAfter: "/r/ns1/a", Limit: 1, Filter: Vowel), None);
        Assert.Equal(["/r/ns1/e"], next.Items.Select(i => i.Key));
        Assert.False(next.HasMore);

        var old = await t.Store.ListAsync("/r/ns1/", new ListRequest(Revision: 5, Limit: 1, Filter: Vowel), None);
        Assert.Equal(["/r/ns1/a"], old.Items.Select(i => i.Key));
        Assert.True(old.HasMore);
    }

    [StoreFact]
    public async Task Lists_an_older_revision_as_it_was()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await SeedAsync(store);
        var snapshot = store.CurrentRevision;
        var before = await ListAllAsync(store, "/r/", 0, 100);

        var a = (await store.GetAsync("/r/ns1/a", None))!;
        await store.UpdateAsync(a.Key, a.ModRevision, Text("a2"), None);
        var b = (await store.GetAsync("/r/ns1/b", None))!;
        await store.DeleteAsync(b.Key, b.ModRevision, Text("b-final"), None);
        await store.CreateAsync("/r/ns1/aa", Text("new"), None);

        for (var limit = 1; limit <= 4; limit++)
        {
            var old = await ListAllAsync(store, "/r/", snapshot, limit);
            Assert.Equal(before.Select(o => (o.Key, String(o.Value), o.CreateRevision, o.ModRevision)),
                old.Select(o => (o.Key, String(o.Value), o.CreateRevision, o.ModRevision)));
        }
        var page = await store.ListAsync("/r/", new ListRequest(snapshot, Limit: 2), None);
        Assert.Equal(snapshot, page.Revision);

        var now = await store.ListAsync("/r/ns1/", new ListRequest(), None);
        Assert.Equal(["/r/ns1/a", "/r/ns1/aa", "/r/ns1/c", "/r/ns1/d", "/r/ns1/e"], now.Items.Select(i => i.Key));
        Assert.Equal("a2", String(now.Items[0].Value));

        // The current revision, asked for explicitly, is the in-memory state.
        var current = await store.ListAsync("/r/ns1/", new ListRequest(store.CurrentRevision), None);
        Assert.Equal(now.Items, current.Items);
    }

    [StoreFact]
    public async Task Future_and_compacted_revisions_are_refused()
    {
        await using var t = await OpenAsync();
        await SeedAsync(t.Store);
        var current = t.Store.CurrentRevision;
        var future = await Assert.ThrowsAsync<FutureRevisionException>(async () => await t.Store.ListAsync("/", new ListRequest(current + 1), None));
        Assert.Equal(current + 1, future.Requested);

        await t.Store.CompactAsync(4, None);
        Assert.Equal(4, t.Store.CompactedRevision);
        var compacted = await Assert.ThrowsAsync<RevisionCompactedException>(async () => await t.Store.ListAsync("/", new ListRequest(4), None));
        Assert.Equal(4, compacted.Compacted);
        await Assert.ThrowsAsync<RevisionCompactedException>(async () => await t.Store.ListAsync("/", new ListRequest(2), None));
        Assert.Equal(5, (await t.Store.ListAsync("/r/", new ListRequest(5), None)).Items.Count);
    }
}

/// <summary>The contract on SQLite.</summary>
public sealed class SqliteListTests : ListTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Sqlite;
}

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresListTests : ListTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Postgres;
}

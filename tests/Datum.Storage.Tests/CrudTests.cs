using Datum.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using static Datum.Storage.Tests.TestStore;

namespace Datum.Storage.Tests;

public abstract class CrudTests
{
    /// <summary>The log the tests run against.</summary>
    protected abstract StoreBackend Backend { get; }

    internal Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null) => TestStore.OpenAsync(Backend, configure);

    private protected static readonly CancellationToken None = CancellationToken.None;

    [StoreFact]
    public async Task Create_get_update_delete_round_trip()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        Assert.Equal(0, store.CurrentRevision);
        Assert.Null(await store.GetAsync("/a", None));

        var created = await store.CreateAsync("/a", Text("one"), None);
        Assert.Equal(new StoredObject("/a", created.Value, 1, 1), created);
        Assert.Equal("one", String((await store.GetAsync("/a", None))!.Value));

        var updated = await store.UpdateAsync("/a", 1, Text("two"), None);
        Assert.Equal(1, updated.CreateRevision);
        Assert.Equal(2, updated.ModRevision);
        Assert.Equal("two", String((await store.GetAsync("/a", None))!.Value));

        var deleted = await store.DeleteAsync("/a", 2, Text("final"), None);
        Assert.Equal("final", String(deleted.Value));
        Assert.Equal(1, deleted.CreateRevision);
        Assert.Equal(3, deleted.ModRevision);
        Assert.Null(await store.GetAsync("/a", None));
        Assert.Equal(3, store.CurrentRevision);

        var recreated = await store.CreateAsync("/a", Text("again"), None);
        Assert.Equal(4, recreated.CreateRevision);
    }

    [StoreFact]
    public async Task Write_errors_carry_the_contract_exceptions()
    {
        await using var t = await OpenAsync();
        var store = t.Store;
        await store.CreateAsync("/a", Text("one"), None);

        var exists = await Assert.ThrowsAsync<KeyExistsException>(() => store.CreateAsync("/a", Text("x"), None));
        Assert.Equal("/a", exists.Key);
        var missing = await Assert.ThrowsAsync<KeyMissingException>(() => store.UpdateAsync("/b", 1, Text("x"), None));
        Assert.Equal("/b", missing.Key);
        await Assert.ThrowsAsync<KeyMissingException>(() => store.DeleteAsync("/b", 1, Text("x"), None));

        var conflict = await Assert.ThrowsAsync<RevisionConflictException>(() => store.UpdateAsync("/a", 7, Text("x"), None));
        Assert.Equal(1, conflict.Current.ModRevision);
        Assert.Equal("one", String(conflict.Current.Value));
        await Assert.ThrowsAsync<RevisionConflictException>(() => store.DeleteAsync("/a", 7, Text("x"), None));

        // Failed writes consume no revision.
        Assert.Equal(1, store.CurrentRevision);
        Assert.Equal(2, (await store.UpdateAsync("/a", 1, Text("two"), None)).ModRevision);
    }

    [StoreFact]
    public async Task Encoder_sees_the_revision_the_write_gets_and_revisions_strictly_increase()
    {
        await using var t = await OpenAsync();
        var seen = new List<long>();
        long last = 0;
        for (var i = 0; i < 20; i++)
        {
            var result = await t.Store.CreateAsync($"/k/{i}", revision => { seen.Add(revision); return [(byte)i]; }, None);
            Assert.True(result.ModRevision > last);
            Assert.Equal(seen[^1], result.ModRevision);
            last = result.ModRevision;
        }
        Assert.Equal(20, seen.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), seen);
    }

    [StoreFact]
    public async Task A_throwing_encoder_fails_only_its_write_and_consumes_no_revision()
    {
        await using var t = await OpenAsync();
        var error = await Assert.ThrowsAsync<FormatException>(() => t.Store.CreateAsync("/bad", _ => throw new FormatException("nope"), None));
        Assert.Equal("nope", error.Message);
        Assert.Null(await t.Store.GetAsync("/bad", None));
        Assert.Equal(1, (await t.Store.CreateAsync("/good", Text("ok"), None)).ModRevision);
    }

    [StoreFact]
    public async Task A_canceled_write_is_not_applied()
    {
        await using var t = await OpenAsync();
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.Store.CreateAsync("/a", Text("x"), canceled.Token));
        Assert.Null(await t.Store.GetAsync("/a", None));
        Assert.Equal(0, t.Store.CurrentRevision);
    }

    [StoreFact]
    public async Task After_dispose_writes_and_reads_throw_object_disposed()
    {
        var t = await OpenAsync();
        await using (t)
        {
            var store = t.Store;
            await store.CreateAsync("/a", Text("x"), None);
            await store.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync("/b", Text("x"), None));
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAsync("/a", None));
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.WatchAsync("/", 0, None));
        }
    }
}

/// <summary>The contract on SQLite, plus what only SQLite has.</summary>
public sealed class SqliteCrudTests : CrudTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Sqlite;

    [StoreFact]
    public async Task The_write_connection_is_in_wal_mode_with_synchronous_full()
    {
        await using var t = await OpenAsync();
        var backend = Assert.IsType<SqliteLogBackend>(t.Store.Backend);
        Assert.Equal(2, backend.WriterSynchronousSetting());

        await using var raw = new SqliteConnection($"Data Source={t.DatabasePath};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync())!);
    }

    [StoreFact]
    public async Task A_second_store_on_the_same_file_is_refused()
    {
        await using var t = await OpenAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => RevisionedStore.OpenSqliteAsync(t.Options, None));
    }
}

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresCrudTests : CrudTests
{
    /// <inheritdoc />
    protected override StoreBackend Backend => StoreBackend.Postgres;

    [StoreFact]
    public async Task Every_connection_commits_synchronously_and_the_schema_version_is_recorded()
    {
        await using var t = await OpenAsync();
        var backend = Assert.IsType<Postgres.PostgresLogBackend>(t.Store.Backend);
        await using var connection = await backend.DataSource.OpenConnectionAsync();
        await using (var show = new Npgsql.NpgsqlCommand("SHOW synchronous_commit", connection))
        {
            Assert.Equal("on", (string)(await show.ExecuteScalarAsync())!);
        }
        await using (var version = new Npgsql.NpgsqlCommand("SELECT MAX(version) FROM datum_schema_version", connection))
        {
            Assert.Equal(Postgres.PostgresSchema.Version, (int)(await version.ExecuteScalarAsync())!);
        }
        // A second store on the same database is fine (a replica), unlike a second SQLite opener.
        await using var replica = await t.OpenReplicaAsync();
        Assert.Equal(t.Store.CurrentRevision, replica.CurrentRevision);
    }
}

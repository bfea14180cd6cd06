using System.Text;
using System.Threading.Channels;

namespace Datum.Storage.Tests;

/// <summary>The log under a test store.</summary>
public enum StoreBackend
{
    /// <summary>A SQLite file.</summary>
    Sqlite,
    /// <summary>A fresh database on the shared test PostgreSQL server.</summary>
    Postgres,
}

/// <summary>
/// A store over a fresh SQLite file in a temporary directory (removed on dispose), or over a fresh PostgreSQL
/// database; extra replicas (more stores on the same PostgreSQL database) can be opened beside it.
/// </summary>
internal sealed class TestStore : IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private readonly List<RevisionedStore> _replicas = [];

    private TestStore(StoreBackend backend, string directory, RevisionedStoreOptions options, RevisionedStore store)
    {
        Backend = backend;
        Directory = directory;
        Options = options;
        Store = store;
    }

    public StoreBackend Backend { get; }

    public string Directory { get; }

    public RevisionedStoreOptions Options { get; private set; }

    public RevisionedStore Store { get; private set; }

    public string DatabasePath => Options.DatabasePath;

    public static Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null) =>
        OpenAsync(StoreBackend.Sqlite, configure);

    public static async Task<TestStore> OpenAsync(StoreBackend backend, Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "datum-storage-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var options = new RevisionedStoreOptions(Path.Combine(directory, "store.db")) { CompactionInterval = TimeSpan.Zero };
        if (backend == StoreBackend.Postgres)
        {
            var server = await PostgresServer.GetAsync();
            options = options with { DatastoreEndpoint = await server.CreateDatabaseAsync() };
        }
        options = configure?.Invoke(options) ?? options;
        var store = await RevisionedStore.OpenAsync(options, CancellationToken.None);
        return new TestStore(backend, directory, options, store);
    }

    /// <summary>Another store on the same PostgreSQL database: a second replica. Disposed with this one.</summary>
    public async Task<RevisionedStore> OpenReplicaAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null)
    {
        Assert.Equal(StoreBackend.Postgres, Backend);
        var replica = await RevisionedStore.OpenAsync(configure?.Invoke(Options) ?? Options, CancellationToken.None);
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>Closes the store and opens it again over the same file, optionally with other options.</summary>
    public async Task ReopenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null)
    {
        await Store.DisposeAsync();
        Options = configure?.Invoke(Options) ?? Options;
        Store = await RevisionedStore.OpenAsync(Options, CancellationToken.None);
    }

    /// <summary>How many rows the log table holds.</summary>
    public async Task<long> CountRowsAsync()
    {
        if (Backend == StoreBackend.Postgres)
        {
            await using var connection = new Npgsql.NpgsqlConnection(Postgres.PostgresEndpoint.Parse(Options.DatastoreEndpoint!).ConnectionString);
            await connection.OpenAsync();
            await using var count = new Npgsql.NpgsqlCommand("SELECT COUNT(*) FROM datum_log", connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        await using var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM log";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
        await Store.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory is not a test failure.
        }
    }

    public static RevisionEncoder Text(string text) => _ => Encoding.UTF8.GetBytes(text);

    /// <summary>An encoder that embeds the revision, like the API server's resourceVersion.</summary>
    public static RevisionEncoder WithRevision(string text) => revision => Encoding.UTF8.GetBytes($"{text}@{revision}");

    public static string String(byte[]? value) => value is null ? "<null>" : Encoding.UTF8.GetString(value);

    public static async Task<List<StorageEvent>> ReadAsync(IStorageWatch watch, int count)
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var events = new List<StorageEvent>(count);
        while (events.Count < count)
        {
            events.Add(await watch.Events.ReadAsync(timeout.Token));
        }
        return events;
    }

    /// <summary>Reads until the channel completes; returns the events and the completion error, if any.</summary>
    public static async Task<(List<StorageEvent> Events, Exception? Error)> DrainAsync(IStorageWatch watch)
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var events = new List<StorageEvent>();
        try
        {
            await foreach (var storageEvent in watch.Events.ReadAllAsync(timeout.Token))
            {
                events.Add(storageEvent);
            }
            return (events, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (events, ex);
        }
    }

    public static bool TryReadNow(IStorageWatch watch, out StorageEvent? storageEvent)
    {
        var read = watch.Events.TryRead(out var item);
        storageEvent = item;
        return read;
    }

    public static ChannelReader<StorageEvent> Reader(IStorageWatch watch) => watch.Events;
}

using System.Text;
using System.Threading.Channels;

namespace Datum.Storage.Tests;

/// <summary>A store over a fresh SQLite file in a temporary directory, removed on dispose.</summary>
internal sealed class TestStore : IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private TestStore(string directory, RevisionedStoreOptions options, RevisionedStore store)
    {
        Directory = directory;
        Options = options;
        Store = store;
    }

    public string Directory { get; }

    public RevisionedStoreOptions Options { get; private set; }

    public RevisionedStore Store { get; private set; }

    public string DatabasePath => Options.DatabasePath;

    public static async Task<TestStore> OpenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "datum-storage-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var options = new RevisionedStoreOptions(Path.Combine(directory, "store.db")) { CompactionInterval = TimeSpan.Zero };
        options = configure?.Invoke(options) ?? options;
        var store = await RevisionedStore.OpenSqliteAsync(options, CancellationToken.None);
        return new TestStore(directory, options, store);
    }

    /// <summary>Closes the store and opens it again over the same file, optionally with other options.</summary>
    public async Task ReopenAsync(Func<RevisionedStoreOptions, RevisionedStoreOptions>? configure = null)
    {
        await Store.DisposeAsync();
        Options = configure?.Invoke(Options) ?? Options;
        Store = await RevisionedStore.OpenSqliteAsync(Options, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
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

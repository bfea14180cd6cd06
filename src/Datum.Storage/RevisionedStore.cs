using System.Collections.Immutable;
using System.Threading.Channels;
using Datum.Storage.Postgres;
using Datum.Storage.Sqlite;

namespace Datum.Storage;

/// <summary>
/// The revisioned store: a durable append-only log (<see cref="ILogBackend"/>) under an in-memory copy of the
/// current state, with one writer that group-commits and a hub that fans committed changes out to watches.
/// </summary>
/// <remarks>
/// Writes are queued to a single writer loop. It takes every pending write (up to
/// <see cref="RevisionedStoreOptions.MaxWriteBatch"/>), checks each against the current state, gives the
/// accepted ones consecutive revisions, appends them in one transaction (one fsync for all), then applies
/// them to memory, publishes them, and only then completes the callers. Reads of the current state never
/// touch the database.
/// </remarks>
public sealed partial class RevisionedStore : IRevisionedStore
{
    private readonly ILogBackend _backend;
    private readonly RevisionedStoreOptions _options;
    private readonly Channel<WriterWork> _queue = Channel.CreateUnbounded<WriterWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WatchHub _hub;
    private readonly RevisionTimeline _timeline;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _writerLoop;
    private readonly Task _compactionLoop;

    // Shared logs (PostgreSQL): the database assigns revisions; memory follows the log. The apply gate
    // serialises the two paths that apply rows to memory: the writer after its own commit, and the feed.
    private readonly ISharedLogBackend? _shared;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly SemaphoreSlim _compactGate = new(1, 1);
    private readonly Task _feedLoop;

    // Only the writer loop changes these; the builder continues from the last snapshot without copying it.
    private readonly ImmutableSortedSet<StoredObject>.Builder _objects;
    private volatile StateSnapshot _state;
    private long _compactedRevision;
    private int _disposed;

    // Set by the writer when the log no longer matches memory; every later write fails with it.
    private Exception? _fault;

    private RevisionedStore(ILogBackend backend, RevisionedStoreOptions options, LogLoadResult loaded)
    {
        _backend = backend;
        _options = options;
        _objects = ImmutableSortedSet.CreateBuilder(StoredObjectKeyComparer.Instance);
        foreach (var row in loaded.LiveRows)
        {
            _objects.Add(new StoredObject(row.Key, row.Value, row.CreateRevision, row.Revision));
        }
        _state = new StateSnapshot(_objects.ToImmutable(), loaded.CurrentRevision);
        _compactedRevision = loaded.CompactedRevision;
        _hub = new WatchHub(options.WatchHistoryCapacity, loaded.CurrentRevision);
        _timeline = new RevisionTimeline(options.TimeProvider, options.CompactionRetention, loaded.CurrentRevision);
        _shared = backend as ISharedLogBackend;
        _writerLoop = Task.Run(WriterLoopAsync);
        _feedLoop = _shared is null ? Task.CompletedTask : Task.Run(() => FeedLoopAsync(_shutdown.Token));
        _compactionLoop = options.CompactionInterval > TimeSpan.Zero
            ? Task.Run(() => CompactionLoopAsync(_shutdown.Token))
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public long CurrentRevision => _state.Revision;

    /// <inheritdoc />
    public long CompactedRevision => Volatile.Read(ref _compactedRevision);

    /// <summary>Opens (or creates) a store over a SQLite file and loads its current state.</summary>
    public static async Task<RevisionedStore> OpenSqliteAsync(RevisionedStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.DatabasePath);
        ValidateOptions(options);
        var backend = await SqliteLogBackend.OpenAsync(options.DatabasePath, cancellationToken).ConfigureAwait(false);
        return await LoadAsync(backend, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a store over a PostgreSQL database (<see cref="RevisionedStoreOptions.DatastoreEndpoint"/>), creating or
    /// migrating its schema. Several stores (replicas, in any number of processes) may share the database.
    /// </summary>
    public static async Task<RevisionedStore> OpenPostgresAsync(RevisionedStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.DatastoreEndpoint);
        ValidateOptions(options);
        var backend = await PostgresLogBackend.OpenAsync(options.DatastoreEndpoint, cancellationToken).ConfigureAwait(false);
        return await LoadAsync(backend, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the PostgreSQL store when <see cref="RevisionedStoreOptions.DatastoreEndpoint"/> is set, else the SQLite file.</summary>
    public static Task<RevisionedStore> OpenAsync(RevisionedStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(options.DatastoreEndpoint)
            ? OpenSqliteAsync(options, cancellationToken)
            : OpenPostgresAsync(options, cancellationToken);
    }

    /// <summary>
    /// Encodes <paramref name="work"/> at the next revision and adds its log row. A throwing encoder fails only its
    /// own write (false), and the revision goes to the next one.
    /// </summary>
    private static bool TryStage(WriteWork work, StoredObject? current, ref long revision, List<LogRow> rows, out StoredObject result)
    {
        var next = revision + 1;
        byte[] value;
        try
        {
            value = work.Encode(next) ?? throw new InvalidOperationException($"the encoder of {work.Key} returned null");
        }
        catch (Exception ex)
        {
            work.Fail(ex);
            result = null!;
            return false;
        }
        revision = next;
        var createRevision = work.Kind == WriteKind.Create ? revision : current!.CreateRevision;
        result = new StoredObject(work.Key, value, createRevision, revision);
        rows.Add(new LogRow(revision, work.Key, createRevision, current?.ModRevision ?? 0, work.Kind == WriteKind.Delete, value));
        return true;
    }

    private static void ValidateOptions(RevisionedStoreOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchChannelCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchHistoryCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxWriteBatch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MinRetainedRevisions);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CompactionInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CompactionRetention, TimeSpan.Zero);
    }

    private static async Task<RevisionedStore> LoadAsync(ILogBackend backend, RevisionedStoreOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var loaded = await backend.LoadAsync(cancellationToken).ConfigureAwait(false);
            return new RevisionedStore(backend, options, loaded);
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The backend, for tests that look below the store.</summary>
    internal ILogBackend Backend => _backend;

    /// <inheritdoc />
    public ValueTask<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_state.Get(key));
    }

    /// <inheritdoc />
    public async ValueTask<ListPage> ListAsync(string prefix, ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Revision);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Limit);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();

        if (request.Revision == 0)
        {
            return ListFromMemory(_state, prefix, request);
        }
        await WaitForRevisionAsync(request.Revision, cancellationToken).ConfigureAwait(false);
        var state = _state;
        var compacted = CompactedRevision;
        if (request.Revision <= compacted)
        {
            throw new RevisionCompactedException(request.Revision, compacted);
        }
        if (request.Revision == state.Revision)
        {
            return ListFromMemory(state, prefix, request);
        }
        if (request.Revision > state.Revision)
        {
            throw new FutureRevisionException(request.Revision, state.Revision);
        }
        return await ListFromLogAsync(prefix, request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<StoredObject> CreateAsync(string key, RevisionEncoder encode, CancellationToken cancellationToken) =>
        EnqueueWrite(WriteKind.Create, key, 0, encode, cancellationToken);

    /// <inheritdoc />
    public Task<StoredObject> UpdateAsync(string key, long expectedModRevision, RevisionEncoder encode, CancellationToken cancellationToken) =>
        EnqueueWrite(WriteKind.Update, key, expectedModRevision, encode, cancellationToken);

    /// <inheritdoc />
    public Task<StoredObject> DeleteAsync(string key, long expectedModRevision, RevisionEncoder encodeFinal, CancellationToken cancellationToken) =>
        EnqueueWrite(WriteKind.Delete, key, expectedModRevision, encodeFinal, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IStorageWatch> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();

        var compacted = CompactedRevision;
        if (afterRevision < compacted)
        {
            throw new RevisionCompactedException(afterRevision, compacted);
        }
        var watch = new StorageWatch(_hub, _backend, prefix, afterRevision, _options.WatchChannelCapacity);
        watch.Start();
        return ValueTask.FromResult<IStorageWatch>(watch);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A revision at or below <see cref="CompactedRevision"/> is a no-op; one above <see cref="CurrentRevision"/>
    /// throws <see cref="FutureRevisionException"/>. Runs on the writer, between write batches.
    /// </remarks>
    public async Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var current = CurrentRevision;
        if (revision > current)
        {
            throw new FutureRevisionException(revision, current);
        }
        if (revision <= CompactedRevision)
        {
            return;
        }
        if (_shared is not null)
        {
            // The database compacts in batches beside the writers, so it does not wait behind (or hold up) writes.
            await CompactSharedAsync(revision, cancellationToken).ConfigureAwait(false);
            return;
        }
        var work = new CompactionWork(revision);
        if (!_queue.Writer.TryWrite(work))
        {
            throw new ObjectDisposedException(nameof(RevisionedStore));
        }
        await work.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops accepting writes, lets the writer finish what is queued, stops the background compaction,
    /// ends every watch normally and closes the database.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _queue.Writer.TryComplete();
        try
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is ObjectDisposedException))
        {
            // A driver's cancellation callback can race its own connection's teardown (Npgsql after the server
            // restarted); the loops still see the token cancelled, and shutdown goes on.
        }
        await _compactionLoop.ConfigureAwait(false);
        await _writerLoop.ConfigureAwait(false);
        await _feedLoop.ConfigureAwait(false);
        await Task.WhenAll(_hub.Close()).ConfigureAwait(false);
        await _backend.DisposeAsync().ConfigureAwait(false);
        _shutdown.Dispose();
        _applyGate.Dispose();
        _compactGate.Dispose();
    }

    /// <summary>
    /// One pass of the background compaction: compacts to the newest revision that is both older than the
    /// retention and at least <see cref="RevisionedStoreOptions.MinRetainedRevisions"/> behind the current one.
    /// Returns the revision compacted to, or 0 when there was nothing to do.
    /// </summary>
    internal async Task<long> RunCompactionPassAsync(CancellationToken cancellationToken)
    {
        var target = Math.Min(_timeline.AgedRevision(), CurrentRevision - _options.MinRetainedRevisions);
        if (target <= CompactedRevision)
        {
            return 0;
        }
        await CompactAsync(target, cancellationToken).ConfigureAwait(false);
        return target;
    }

    private async Task CompactionLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CompactionInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RunCompactionPassAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _options.OnBackgroundError?.Invoke(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private Task<StoredObject> EnqueueWrite(WriteKind kind, string key, long expectedModRevision, RevisionEncoder encode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(encode);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<StoredObject>(cancellationToken);
        }
        var work = new WriteWork(kind, key, expectedModRevision, encode);
        work.RegisterCancellation(cancellationToken);
        if (!_queue.Writer.TryWrite(work))
        {
            work.TryClaim();
            return Task.FromException<StoredObject>(new ObjectDisposedException(nameof(RevisionedStore)));
        }
        return work.Task;
    }

    private async Task WriterLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<WriteWork>(_options.MaxWriteBatch);
        // Completes when the queue is completed (dispose) and drained: queued writes still run.
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            CompactionWork? compaction = null;
            while (batch.Count < _options.MaxWriteBatch && reader.TryRead(out var work))
            {
                if (work is CompactionWork c)
                {
                    compaction = c;
                    break;
                }
                batch.Add((WriteWork)work);
            }

            if (batch.Count > 0)
            {
                await CommitBatchAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
            if (compaction is not null)
            {
                await CompactOnWriterAsync(compaction).ConfigureAwait(false);
            }
        }
    }

    private async Task CommitBatchAsync(List<WriteWork> batch)
    {
        if (_shared is not null)
        {
            await CommitSharedBatchAsync(_shared, batch).ConfigureAwait(false);
            return;
        }
        var state = _state;
        // Effects of earlier writes of this batch on later ones (null = deleted in this batch).
        var pending = new Dictionary<string, StoredObject?>(StringComparer.Ordinal);
        var accepted = new List<(WriteWork Work, StoredObject Result)>(batch.Count);
        var rows = new List<LogRow>(batch.Count);
        var events = new List<StorageEvent>(batch.Count);
        var revision = state.Revision;

        foreach (var work in batch)
        {
            if (!work.TryClaim())
            {
                continue;
            }
            if (_fault is not null)
            {
                work.Fail(_fault);
                continue;
            }
            var current = pending.TryGetValue(work.Key, out var overlay) ? overlay : state.Get(work.Key);
            var failure = Check(work, current);
            if (failure is not null)
            {
                work.Fail(failure);
                continue;
            }

            if (!TryStage(work, current, ref revision, rows, out var result)) continue;
            events.Add(work.Kind switch
            {
                WriteKind.Create => new StorageEvent(StorageEventType.Created, work.Key, result.Value, null, revision),
                WriteKind.Update => new StorageEvent(StorageEventType.Updated, work.Key, result.Value, current!.Value, revision),
                _ => new StorageEvent(StorageEventType.Deleted, work.Key, result.Value, current!.Value, revision),
            });
            pending[work.Key] = work.Kind == WriteKind.Delete ? null : result;
            accepted.Add((work, result));
        }

        if (accepted.Count == 0)
        {
            return;
        }

        try
        {
            await _backend.AppendAsync(rows, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing was applied in memory, so the revisions are handed out again by the next batch.
            foreach (var (work, _) in accepted)
            {
                work.Fail(ex);
            }
            await CheckLogAfterFailedAppendAsync(state.Revision, ex).ConfigureAwait(false);
            return;
        }

        foreach (var (key, result) in pending)
        {
            var probe = StateSnapshot.Probe(key);
            _objects.Remove(probe);
            if (result is not null)
            {
                _objects.Add(result);
            }
        }
        _state = new StateSnapshot(_objects.ToImmutable(), revision);
        _hub.Publish(events);
        _timeline.Record(revision);
        foreach (var (work, result) in accepted)
        {
            work.Complete(result);
        }
    }

    /// <summary>
    /// A failed commit normally leaves the log as it was. If it does not (the commit went through despite the
    /// error, or something else wrote to the file), memory and log disagree on revisions, and writing on would
    /// corrupt history: stop accepting writes until the store is reopened and reloads the log.
    /// </summary>
    private async Task CheckLogAfterFailedAppendAsync(long expectedRevision, Exception appendError)
    {
        try
        {
            var durable = await _backend.ReadCurrentRevisionAsync(CancellationToken.None).ConfigureAwait(false);
            if (durable != expectedRevision)
            {
                _fault = new InvalidOperationException(
                    $"the log is at revision {durable} but the store at {expectedRevision} after a failed commit; reopen the store", appendError);
            }
        }
        catch (Exception readError)
        {
            _fault = new InvalidOperationException(
                "the log could not be read after a failed commit; reopen the store", new AggregateException(appendError, readError));
        }
    }

    private static StorageException? Check(WriteWork work, StoredObject? current)
    {
        if (work.Kind == WriteKind.Create)
        {
            return current is null ? null : new KeyExistsException(work.Key);
        }
        if (current is null)
        {
            return new KeyMissingException(work.Key);
        }
        return current.ModRevision == work.ExpectedModRevision ? null : new RevisionConflictException(current, work.ExpectedModRevision);
    }

    private async Task CompactOnWriterAsync(CompactionWork work)
    {
        if (_fault is not null)
        {
            work.Completion.TrySetException(_fault);
            return;
        }
        if (work.Revision <= CompactedRevision)
        {
            work.Completion.TrySetResult();
            return;
        }
        try
        {
            await _backend.CompactAsync(work.Revision, CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _compactedRevision, work.Revision);
            work.Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            work.Completion.TrySetException(ex);
        }
    }

    private static ListPage ListFromMemory(StateSnapshot state, string prefix, ListRequest request)
    {
        var (from, exclusive) = StartOf(prefix, request.StartAfter);
        var objects = state.Objects;
        var items = new List<StoredObject>();
        var hasMore = false;
        for (var i = state.IndexFrom(from, exclusive); i < objects.Count; i++)
        {
            var item = objects[i];
            if (!item.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }
            if (request.Filter is not null && !request.Filter(item))
            {
                continue;
            }
            if (request.Limit > 0 && items.Count == request.Limit)
            {
                hasMore = true;
                break;
            }
            items.Add(item);
        }
        return new ListPage(items, state.Revision, hasMore);
    }

    private async Task<ListPage> ListFromLogAsync(string prefix, ListRequest request, CancellationToken cancellationToken)
    {
        var (from, exclusive) = StartOf(prefix, request.StartAfter);
        var items = new List<StoredObject>();
        var hasMore = false;
        await foreach (var row in _backend.ReadSnapshotAsync(from, exclusive, request.Revision, cancellationToken).ConfigureAwait(false))
        {
            if (!row.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }
            var item = new StoredObject(row.Key, row.Value, row.CreateRevision, row.Revision);
            if (request.Filter is not null && !request.Filter(item))
            {
                continue;
            }
            if (request.Limit > 0 && items.Count == request.Limit)
            {
                hasMore = true;
                break;
            }
            items.Add(item);
        }
        return new ListPage(items, request.Revision, hasMore);
    }

    /// <summary>Where a scan begins: after the continue key when it lies inside the prefix range, else at the prefix.</summary>
    private static (string From, bool Exclusive) StartOf(string prefix, string? startAfter) =>
        startAfter is not null && string.CompareOrdinal(startAfter, prefix) >= 0 ? (startAfter, true) : (prefix, false);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}

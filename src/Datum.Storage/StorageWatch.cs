using System.Threading.Channels;

namespace Datum.Storage;

/// <summary>
/// One watch. It first replays history (from the hub's ring when it reaches back far enough, otherwise from
/// the log), with back-pressure, and then, under the hub's gate, switches to live delivery where a full
/// buffer drops it.
/// </summary>
internal sealed class StorageWatch : IStorageWatch
{
    private const int HistoryBatch = 1024;

    private readonly WatchHub _hub;
    private readonly ILogBackend _backend;
    private readonly string _prefix;
    private readonly WatchBuffer _buffer;

    // Every change at or below this revision has been delivered (or did not match the prefix).
    // Replay advances it without the gate; once live, only the gate holder does.
    private long _position;
    private bool _live;
    private bool _closed;
    private bool _progressRequested;

    public StorageWatch(WatchHub hub, ILogBackend backend, string prefix, long afterRevision, int capacity)
    {
        _hub = hub;
        _backend = backend;
        _prefix = prefix;
        Bucket = WatchHub.BucketOf(prefix);
        _position = afterRevision;
        _buffer = new WatchBuffer(capacity);
    }

    public ChannelReader<StorageEvent> Events => _buffer;

    /// <summary>The hub's bucket of this watch's prefix (see <see cref="WatchHub.BucketOf"/>), or null.</summary>
    public string? Bucket { get; }

    /// <summary>The replay; completes when the watch is live or ended.</summary>
    public Task ReplayTask { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the replay; the common case (history in the ring, room in the buffer) goes live before this returns.</summary>
    public void Start()
    {
        if (!_hub.Register(this))
        {
            _closed = true;
            _buffer.TryComplete();
            return;
        }
        ReplayTask = ReplayAsync();
    }

    public void RequestProgress()
    {
        lock (_hub.Gate)
        {
            if (_closed)
            {
                return;
            }
            if (!_live)
            {
                // Sent when the replay catches up, behind everything replayed.
                _progressRequested = true;
                return;
            }
            // Live, a watch is offered only the events of its bucket: everything published since its last delivery
            // did not match, so it has seen all there is up to the newest published revision.
            _position = Math.Max(_position, _hub.PublishedRevision);
            if (!TrySendProgressLocked())
            {
                _hub.RemoveLocked(this);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_hub.Gate)
        {
            CloseLocked(null);
            _hub.RemoveLocked(this);
        }
        await ReplayTask.ConfigureAwait(false);
    }

    /// <summary>Live delivery, under the gate. False when the watch overflowed and must be dropped.</summary>
    public bool DeliverLocked(IReadOnlyList<StorageEvent> events)
    {
        foreach (var storageEvent in events)
        {
            if (storageEvent.Revision <= _position)
            {
                continue;
            }
            if (Matches(storageEvent.Key) && !_buffer.TryWrite(storageEvent))
            {
                CloseLocked(new WatchOverflowException());
                return false;
            }
            _position = storageEvent.Revision;
        }
        return true;
    }

    /// <summary>Ends the watch under the gate: normally (null) or with an error the consumer sees.</summary>
    public void CloseLocked(Exception? error)
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _buffer.TryComplete(error);
    }

    private bool Matches(string key) => key.StartsWith(_prefix, StringComparison.Ordinal);

    private StorageEvent ProgressEvent() => new(StorageEventType.Progress, string.Empty, [], null, _position);

    private bool TrySendProgressLocked()
    {
        if (_buffer.TryWrite(ProgressEvent()))
        {
            return true;
        }
        CloseLocked(new WatchOverflowException());
        return false;
    }

    private async Task ReplayAsync()
    {
        try
        {
            while (true)
            {
                var bufferFull = false;
                long readThrough;
                lock (_hub.Gate)
                {
                    if (_closed)
                    {
                        return;
                    }
                    if (_hub.Ring.Covers(_position))
                    {
                        var published = _hub.PublishedRevision;
                        for (var revision = _position + 1; revision <= published; revision++)
                        {
                            var storageEvent = _hub.Ring.Get(revision);
                            if (Matches(storageEvent.Key) && !_buffer.TryWrite(storageEvent))
                            {
                                bufferFull = true;
                                break;
                            }
                            _position = revision;
                        }
                        if (!bufferFull && _progressRequested)
                        {
                            // Still replaying, so a full buffer means wait, not overflow.
                            bufferFull = !_buffer.TryWrite(ProgressEvent());
                            _progressRequested = bufferFull;
                        }
                        if (!bufferFull)
                        {
                            // Caught up while holding the gate: no publication can slip between replay and live.
                            _live = true;
                            _hub.AddLiveLocked(this);
                            return;
                        }
                    }
                    // Everything published is committed, so the log has it all up to here.
                    readThrough = _hub.PublishedRevision;
                }

                if (bufferFull)
                {
                    if (!await _buffer.WaitToWriteAsync().ConfigureAwait(false))
                    {
                        return;
                    }
                    continue;
                }

                var entries = await _backend.ReadHistoryAsync(_prefix, _position, readThrough, HistoryBatch, CancellationToken.None).ConfigureAwait(false);
                foreach (var entry in entries)
                {
                    await _buffer.WriteAsync(ToEvent(entry)).ConfigureAwait(false);
                    _position = entry.Row.Revision;
                }
                if (entries.Count < HistoryBatch)
                {
                    _position = readThrough;
                }
            }
        }
        catch (ChannelClosedException)
        {
            // Disposed while replaying.
        }
        catch (Exception ex)
        {
            lock (_hub.Gate)
            {
                CloseLocked(ex);
                _hub.RemoveLocked(this);
            }
        }
    }

    private static StorageEvent ToEvent(LogHistoryEntry entry)
    {
        var row = entry.Row;
        if (row.Deleted)
        {
            return new StorageEvent(StorageEventType.Deleted, row.Key, row.Value, entry.PreviousValue, row.Revision);
        }
        return row.CreateRevision == row.Revision
            ? new StorageEvent(StorageEventType.Created, row.Key, row.Value, null, row.Revision)
            : new StorageEvent(StorageEventType.Updated, row.Key, row.Value, entry.PreviousValue, row.Revision);
    }
}

using Datum.Storage;

namespace Datum.Runtime.InProcess;

/// <summary>
/// One timer for every in-process watch: each tick asks the watches that want bookmarks for a progress event once
/// their interval has passed, and ends the watches whose timeout has passed (their event stream then completes, as
/// when the server ends a watch). Every engaged project plane keeps a dozen informer watches open, and a timer plus a
/// linked cancellation source per watch cost more than the rest of an idle watch. Deadlines are honoured to within one
/// tick. The timer runs only while there are watches, so a transport dropped without being disposed leaves nothing
/// scheduled behind.
/// </summary>
internal sealed class WatchTicker : IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<Entry> _entries = [];
    private readonly ITimer _timer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _resolution;

    public WatchTicker(TimeSpan resolution, TimeProvider time)
    {
        _time = time;
        _resolution = resolution;
        _timer = time.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts timing <paramref name="watch"/>; dispose the result when the watch ends.</summary>
    public IDisposable Add(IStorageWatch watch, TimeSpan? bookmarkInterval, TimeSpan? timeout)
    {
        var now = _time.GetTimestamp();
        var entry = new Entry(this, watch,
            bookmarkInterval is { } every ? Ticks(every) : 0,
            timeout is { } t ? now + Ticks(t) : long.MaxValue);
        entry.NextBookmark = entry.BookmarkEvery > 0 ? now + entry.BookmarkEvery : long.MaxValue;
        lock (_lock)
        {
            if (_entries.Count == 0) _timer.Change(_resolution, _resolution);
            _entries.Add(entry);
        }
        return entry;
    }

    public void Dispose() => _timer.Dispose();

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void Tick()
    {
        var now = _time.GetTimestamp();
        List<IStorageWatch>? progress = null;
        List<IStorageWatch>? expired = null;
        lock (_lock)
        {
            foreach (var entry in _entries)
            {
                if (now >= entry.Deadline)
                {
                    (expired ??= []).Add(entry.Watch);
                }
                else if (now >= entry.NextBookmark)
                {
                    entry.NextBookmark = now + entry.BookmarkEvery;
                    (progress ??= []).Add(entry.Watch);
                }
            }
            if (expired is not null)
            {
                _entries.RemoveWhere(e => now >= e.Deadline);
                StopWhenIdleLocked();
            }
        }
        // Outside the lock: both take the storage's watch gate.
        if (progress is not null) foreach (var watch in progress) watch.RequestProgress();
        if (expired is not null) foreach (var watch in expired) _ = EndAsync(watch);
    }

    private void StopWhenIdleLocked()
    {
        if (_entries.Count == 0) _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private static async Task EndAsync(IStorageWatch watch)
    {
        try
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The consumer disposes the watch again and sees whatever went wrong there.
        }
    }

    private sealed class Entry(WatchTicker owner, IStorageWatch watch, long bookmarkEvery, long deadline) : IDisposable
    {
        public IStorageWatch Watch { get; } = watch;

        public long BookmarkEvery { get; } = bookmarkEvery;

        public long Deadline { get; } = deadline;

        public long NextBookmark { get; set; }

        public void Dispose()
        {
            lock (owner._lock)
            {
                if (owner._entries.Remove(this)) owner.StopWhenIdleLocked();
            }
        }
    }
}

namespace Datum.Storage;

/// <summary>
/// Fans published events out to watches. Publication, registration (the switch from replay to live) and
/// progress requests all hold <see cref="Gate"/>, which is what makes a watch see every event exactly once.
/// </summary>
internal sealed class WatchHub
{
    private readonly List<StorageWatch> _live = [];
    private readonly HashSet<StorageWatch> _all = [];
    private readonly int _historyCapacity;
    private bool _closed;

    public WatchHub(int historyCapacity, long currentRevision)
    {
        _historyCapacity = historyCapacity;
        Ring = new EventRing(historyCapacity, currentRevision);
    }

    public Lock Gate { get; } = new();

    /// <summary>Recent events; only touched under <see cref="Gate"/>.</summary>
    public EventRing Ring { get; private set; }

    /// <summary>The revision of the newest published event; only read under <see cref="Gate"/>.</summary>
    public long PublishedRevision => Ring.NewestRevision;

    /// <summary>Adds a watch (still replaying); false when the hub is closed.</summary>
    public bool Register(StorageWatch watch)
    {
        lock (Gate)
        {
            if (_closed)
            {
                return false;
            }
            _all.Add(watch);
            return true;
        }
    }

    /// <summary>Called under <see cref="Gate"/> when a watch has replayed up to <see cref="PublishedRevision"/>.</summary>
    public void AddLiveLocked(StorageWatch watch) => _live.Add(watch);

    /// <summary>Called under <see cref="Gate"/> when a watch ends.</summary>
    public void RemoveLocked(StorageWatch watch)
    {
        _live.Remove(watch);
        _all.Remove(watch);
    }

    /// <summary>Publishes committed events with consecutive revisions following <see cref="PublishedRevision"/>.</summary>
    public void Publish(IReadOnlyList<StorageEvent> events)
    {
        lock (Gate)
        {
            foreach (var storageEvent in events)
            {
                Ring.Add(storageEvent);
            }

            for (var i = _live.Count - 1; i >= 0; i--)
            {
                var watch = _live[i];
                if (!watch.DeliverLocked(events))
                {
                    _live.RemoveAt(i);
                    _all.Remove(watch);
                }
            }
        }
    }

    /// <summary>
    /// Ends every watch with <paramref name="error"/> and starts over, empty, at <paramref name="revision"/>
    /// (a replica that reloaded its state after falling behind a compaction).
    /// </summary>
    public void Reset(long revision, Exception error)
    {
        lock (Gate)
        {
            foreach (var watch in _all)
            {
                watch.CloseLocked(error);
            }
            _all.Clear();
            _live.Clear();
            Ring = new EventRing(_historyCapacity, revision);
        }
    }

    /// <summary>Ends every watch normally (store shutdown) and returns their replay tasks to await.</summary>
    public IReadOnlyList<Task> Close()
    {
        List<StorageWatch> watches;
        lock (Gate)
        {
            _closed = true;
            watches = [.. _all];
            _all.Clear();
            _live.Clear();
            foreach (var watch in watches)
            {
                watch.CloseLocked(null);
            }
        }
        return watches.Select(w => w.ReplayTask).ToList();
    }
}

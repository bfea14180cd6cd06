namespace Datum.Storage;

/// <summary>
/// Fans published events out to watches. Publication, registration (the switch from replay to live) and
/// progress requests all hold <see cref="Gate"/>, which is what makes a watch see every event exactly once.
/// Live watches are kept by <see cref="BucketOf"/> their prefix, so an event is offered only to the watches of
/// its own bucket and to the few whose prefix is shorter than a bucket: with one set of watches per tenant
/// (<c>/registry/project:P/...</c>), a write no longer costs a prefix comparison against every tenant's watches.
/// </summary>
internal sealed class WatchHub
{
    private readonly Dictionary<string, List<StorageWatch>> _liveByBucket = new(StringComparer.Ordinal);
    private readonly List<StorageWatch> _liveUnbucketed = [];
    private readonly HashSet<StorageWatch> _all = [];
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
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
    public void AddLiveLocked(StorageWatch watch)
    {
        if (watch.Bucket is not { } bucket)
        {
            _liveUnbucketed.Add(watch);
            return;
        }
        if (!_liveByBucket.TryGetValue(bucket, out var watches))
        {
            _liveByBucket[bucket] = watches = [];
        }
        watches.Add(watch);
    }

    /// <summary>Called under <see cref="Gate"/> when a watch ends.</summary>
    public void RemoveLocked(StorageWatch watch)
    {
        if (watch.Bucket is not { } bucket)
        {
            _liveUnbucketed.Remove(watch);
        }
        else if (_liveByBucket.TryGetValue(bucket, out var watches) && watches.Remove(watch) && watches.Count == 0)
        {
            // A tenant that went away leaves no empty list behind.
            _liveByBucket.Remove(bucket);
        }
        _all.Remove(watch);
    }

    /// <summary>
    /// The bucket of a key or watch prefix: everything up to and including its third <c>/</c> (<c>/registry/root/</c>),
    /// or null when it has fewer. A key starting with a prefix that has a bucket has the same bucket, so a watch in
    /// one bucket can never match an event of another.
    /// </summary>
    public static string? BucketOf(string keyOrPrefix)
    {
        var slashes = 0;
        for (var i = 0; i < keyOrPrefix.Length; i++)
        {
            if (keyOrPrefix[i] == '/' && ++slashes == 3)
            {
                return keyOrPrefix[..(i + 1)];
            }
        }
        return null;
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

            DeliverLocked(_liveUnbucketed, events);
            if (_liveByBucket.Count == 0)
            {
                return;
            }
            _touched.Clear();
            foreach (var storageEvent in events)
            {
                if (BucketOf(storageEvent.Key) is { } bucket && _touched.Add(bucket) && _liveByBucket.TryGetValue(bucket, out var watches))
                {
                    DeliverLocked(watches, events);
                    if (watches.Count == 0)
                    {
                        _liveByBucket.Remove(bucket);
                    }
                }
            }
        }
    }

    private void DeliverLocked(List<StorageWatch> watches, IReadOnlyList<StorageEvent> events)
    {
        for (var i = watches.Count - 1; i >= 0; i--)
        {
            var watch = watches[i];
            if (!watch.DeliverLocked(events))
            {
                watches.RemoveAt(i);
                _all.Remove(watch);
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
            _liveByBucket.Clear();
            _liveUnbucketed.Clear();
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
            _liveByBucket.Clear();
            _liveUnbucketed.Clear();
            foreach (var watch in watches)
            {
                watch.CloseLocked(null);
            }
        }
        return watches.Select(w => w.ReplayTask).ToList();
    }
}

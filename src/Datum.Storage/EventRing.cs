namespace Datum.Storage;

/// <summary>
/// The most recent events, indexed by revision. Revisions are gapless, so the event of revision r lives at
/// slot r mod capacity and lookups need no search.
/// </summary>
internal sealed class EventRing
{
    private readonly StorageEvent[] _events;
    private long _newest;
    private int _count;

    public EventRing(int capacity, long newestRevision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _events = new StorageEvent[capacity];
        _newest = newestRevision;
    }

    /// <summary>The revision of the newest event added (or the start revision when empty).</summary>
    public long NewestRevision => _newest;

    /// <summary>True when every event after <paramref name="afterRevision"/> is in the ring.</summary>
    public bool Covers(long afterRevision) => afterRevision >= _newest - _count;

    public void Add(StorageEvent storageEvent)
    {
        if (storageEvent.Revision != _newest + 1)
        {
            throw new InvalidOperationException($"event revision {storageEvent.Revision} does not follow {_newest}");
        }
        _events[storageEvent.Revision % _events.Length] = storageEvent;
        _newest = storageEvent.Revision;
        if (_count < _events.Length)
        {
            _count++;
        }
    }

    public StorageEvent Get(long revision) => _events[revision % _events.Length];
}

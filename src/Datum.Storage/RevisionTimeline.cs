namespace Datum.Storage;

/// <summary>
/// Remembers roughly when revisions were committed, so the background compaction can keep history younger
/// than the retention. Samples are coarse (a few per retention period) and attribute each revision to a time
/// no earlier than its commit, so the error is always on the side of keeping more.
/// </summary>
internal sealed class RevisionTimeline
{
    private const int SamplesPerRetention = 64;

    private readonly Lock _gate = new();
    private readonly Queue<(long Revision, long Timestamp)> _samples = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly long _sampleSpacing;
    private long _lastSample = long.MinValue;
    private long _agedRevision;

    public RevisionTimeline(TimeProvider time, TimeSpan retention, long openRevision)
    {
        _time = time;
        _retention = retention;
        _sampleSpacing = (long)(retention.TotalSeconds * time.TimestampFrequency / SamplesPerRetention);
        // History found at open has unknown age; count it as committed now.
        Record(openRevision);
    }

    /// <summary>Notes that <paramref name="revision"/> is committed as of now.</summary>
    public void Record(long revision)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_lastSample != long.MinValue && now - _lastSample < _sampleSpacing)
            {
                return;
            }
            _lastSample = now;
            _samples.Enqueue((revision, now));
        }
    }

    /// <summary>The newest revision known to be older than the retention.</summary>
    public long AgedRevision()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            while (_samples.Count > 0 && _time.GetElapsedTime(_samples.Peek().Timestamp, now) >= _retention)
            {
                _agedRevision = Math.Max(_agedRevision, _samples.Dequeue().Revision);
            }
            return _agedRevision;
        }
    }
}

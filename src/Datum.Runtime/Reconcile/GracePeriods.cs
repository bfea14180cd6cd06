using System.Collections.Concurrent;

namespace Datum.Runtime.Reconcile;

/// <summary>
/// When a controller first saw each object, so it can leave a status to another writer (a provider) for a grace
/// period before writing one itself: the other writer's report is then the only write instead of two racing.
/// Keyed by (control plane, uid), timed on a monotonic clock.
/// </summary>
public sealed class GracePeriods(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Cluster, string Uid), long> _started = new();

    /// <summary>Starts (or restarts) the object's grace period now.</summary>
    public void Restart(string cluster, string uid) => _started[(cluster, uid)] = _time.GetTimestamp();

    /// <summary>What is left of <paramref name="grace"/> since the period started (starting it now if it had not).</summary>
    public TimeSpan Remaining(string cluster, string uid, TimeSpan grace)
    {
        var waited = _time.GetElapsedTime(_started.GetOrAdd((cluster, uid), _ => _time.GetTimestamp()));
        return waited < grace ? grace - waited : TimeSpan.Zero;
    }

    /// <summary>Forgets the object (its status is written, or it is going away).</summary>
    public void Forget(string cluster, string uid) => _started.TryRemove((cluster, uid), out _);
}

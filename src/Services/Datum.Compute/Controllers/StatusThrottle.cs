using System.Collections.Concurrent;

namespace Datum.Compute.Controllers;

/// <summary>
/// Coalesces status writes of objects whose status is an aggregate of many others (a deployment's instance counters, a
/// workload's deployment counters): a change of a condition's status or reason is written at once, a change of counters
/// or messages alone at most once per <see cref="Interval"/> per object. During a rollout of 50 instances the counters
/// move 100 times; written every time, each write wakes the owner, which rewrites its own aggregate too.
/// </summary>
internal sealed class StatusThrottle(TimeSpan interval, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Cluster, string Ns, string Name), long> _written = new();

    /// <summary>The shortest time between two counter-only writes of one object.</summary>
    public TimeSpan Interval { get; } = interval;

    /// <summary>
    /// Null when a change may be written now (urgent ones always may); else how long it has to wait. The caller
    /// requeues itself for that long, so the last counters are always written.
    /// </summary>
    public TimeSpan? Wait(string cluster, string? ns, string name, bool urgent)
    {
        if (urgent || !_written.TryGetValue((cluster, ns ?? "", name), out var at)) return null;
        var remaining = Interval - time.GetElapsedTime(at);
        return remaining > TimeSpan.Zero ? remaining : null;
    }

    /// <summary>Records a status write.</summary>
    public void Written(string cluster, string? ns, string name) => _written[(cluster, ns ?? "", name)] = time.GetTimestamp();

    /// <summary>Forgets a deleted object.</summary>
    public void Forget(string cluster, string? ns, string name) => _written.TryRemove((cluster, ns ?? "", name), out _);
}

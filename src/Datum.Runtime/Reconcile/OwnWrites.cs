using System.Collections.Concurrent;
using Datum.Runtime.Api;

namespace Datum.Runtime.Reconcile;

/// <summary>
/// The resourceVersion each of a reconciler's own writes superseded, per object. A reconcile that finds the cache
/// still at that version (woken before the cache caught up with the write) has nothing to learn from it: acting on it
/// would only cost a refused write and a re-read, and the write's own watch event wakes the reconciler again.
/// </summary>
public sealed class OwnWrites
{
    private readonly ConcurrentDictionary<string, string> _superseded = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="cached"/> is a version this reconciler has already written over.</summary>
    public bool IsStale(IKubeObject cached)
    {
        if (cached.Metadata.Uid is not { } uid || !_superseded.TryGetValue(uid, out var version)) return false;
        if (version == cached.Metadata.ResourceVersion) return true;
        _superseded.TryRemove(new KeyValuePair<string, string>(uid, version));
        return false;
    }

    /// <summary>Records a write that turned <paramref name="before"/> into <paramref name="after"/> (null or the same object: nothing was written).</summary>
    public void Wrote(IKubeObject before, IKubeObject? after)
    {
        if (after is null || ReferenceEquals(before, after) || after.Metadata.ResourceVersion == before.Metadata.ResourceVersion) return;
        if (before.Metadata.Uid is { } uid && before.Metadata.ResourceVersion is { } version) _superseded[uid] = version;
    }

    /// <summary>Forgets an object (deleted).</summary>
    public void Forget(IKubeObject obj)
    {
        if (obj.Metadata.Uid is { } uid) _superseded.TryRemove(uid, out _);
    }
}

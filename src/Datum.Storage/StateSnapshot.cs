using System.Collections.Immutable;

namespace Datum.Storage;

/// <summary>
/// The current state at one revision. Immutable, so readers take it with one volatile read and need no lock,
/// and a list page is always consistent with the revision it reports.
/// </summary>
internal sealed class StateSnapshot(ImmutableSortedSet<StoredObject> objects, long revision)
{
    /// <summary>Live objects ordered by key (<see cref="StoredObjectKeyComparer"/>).</summary>
    public ImmutableSortedSet<StoredObject> Objects { get; } = objects;

    /// <summary>The revision of the newest write applied.</summary>
    public long Revision { get; } = revision;

    public StoredObject? Get(string key) =>
        Objects.TryGetValue(Probe(key), out var found) ? found : null;

    /// <summary>The index of the first object at or after <paramref name="key"/> (strictly after when <paramref name="exclusive"/>).</summary>
    public int IndexFrom(string key, bool exclusive)
    {
        var index = Objects.IndexOf(Probe(key));
        if (index < 0)
        {
            return ~index;
        }
        return exclusive ? index + 1 : index;
    }

    public static StoredObject Probe(string key) => new(key, [], 0, 0);
}

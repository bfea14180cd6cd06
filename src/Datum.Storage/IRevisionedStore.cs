namespace Datum.Storage;

/// <summary>
/// A revisioned key/value log: every write gets the next global revision, which the API
/// server exposes as the object's <c>resourceVersion</c>. Keys are '/'-separated paths
/// (<c>/registry/{cluster}/{group}/{resource}/[{namespace}/]{name}</c>) so a tenant is a prefix.
/// </summary>
/// <remarks>
/// Contract:
/// <list type="bullet">
/// <item>Writes are durable before their task completes (the backend has committed and fsynced).</item>
/// <item>A write's <see cref="RevisionEncoder"/> is called exactly once, with the revision the
/// write will carry, so the stored bytes can embed their own resourceVersion. It must be pure and fast:
/// it runs on the single writer path.</item>
/// <item>Reads are linearizable with respect to acknowledged writes of this process: once a write
/// task has completed, every later read and every later-started watch sees it.</item>
/// <item>A watch delivers every change after its start revision exactly once, in revision order,
/// or ends with <see cref="RevisionCompactedException"/> / <see cref="WatchOverflowException"/>.</item>
/// </list>
/// </remarks>
public interface IRevisionedStore : IAsyncDisposable
{
    /// <summary>The revision of the newest committed write (0 for an empty store).</summary>
    long CurrentRevision { get; }

    /// <summary>History at or below this revision is gone; reads and watches there get <see cref="RevisionCompactedException"/>.</summary>
    long CompactedRevision { get; }

    /// <summary>The newest state of <paramref name="key"/>, or null when it does not exist.</summary>
    ValueTask<StoredObject?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Keys under <paramref name="prefix"/> in ordinal key order, as of <see cref="ListRequest.Revision"/>
    /// (0 = newest). Throws <see cref="RevisionCompactedException"/> when that revision is compacted, and
    /// <see cref="FutureRevisionException"/> when it is newer than <see cref="CurrentRevision"/>.
    /// </summary>
    ValueTask<ListPage> ListAsync(string prefix, ListRequest request, CancellationToken cancellationToken);

    /// <summary>Creates <paramref name="key"/>; throws <see cref="KeyExistsException"/> if it exists.</summary>
    Task<StoredObject> CreateAsync(string key, RevisionEncoder encode, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="key"/> if its current mod revision equals <paramref name="expectedModRevision"/>;
    /// throws <see cref="RevisionConflictException"/> (carrying the current object) otherwise, and
    /// <see cref="KeyMissingException"/> when the key does not exist.
    /// </summary>
    Task<StoredObject> UpdateAsync(string key, long expectedModRevision, RevisionEncoder encode, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes <paramref name="key"/> under the same compare-and-swap rule as <see cref="UpdateAsync"/>.
    /// <paramref name="encodeFinal"/> produces the object's last state at the delete revision: it is what a
    /// DELETED watch event carries. Returns that final state.
    /// </summary>
    Task<StoredObject> DeleteAsync(string key, long expectedModRevision, RevisionEncoder encodeFinal, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a watch of every change under <paramref name="prefix"/> with revision greater than
    /// <paramref name="afterRevision"/>. Throws <see cref="RevisionCompactedException"/> at once when
    /// <paramref name="afterRevision"/> is below <see cref="CompactedRevision"/>.
    /// </summary>
    ValueTask<IStorageWatch> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken);

    /// <summary>Drops history at or below <paramref name="revision"/> (never the newest state of a live key).</summary>
    Task CompactAsync(long revision, CancellationToken cancellationToken);
}

/// <summary>Produces the bytes to store for a write, given the revision the write gets.</summary>
public delegate byte[] RevisionEncoder(long revision);

/// <summary>One key at one revision.</summary>
public sealed record StoredObject(string Key, byte[] Value, long CreateRevision, long ModRevision);

/// <summary>Options of one list call.</summary>
/// <param name="Revision">0 for the newest state, otherwise the exact revision to read at.</param>
/// <param name="StartAfter">Return only keys ordinally greater than this (a continue position).</param>
/// <param name="Limit">At most this many items (0 = no limit).</param>
/// <param name="Filter">Only items for which this returns true are counted and returned.</param>
public sealed record ListRequest(long Revision = 0, string? StartAfter = null, int Limit = 0, Func<StoredObject, bool>? Filter = null);

/// <summary>A page of a list.</summary>
/// <param name="Items">The items, in ordinal key order.</param>
/// <param name="Revision">The revision the page was read at.</param>
/// <param name="HasMore">More matching keys exist after the last item.</param>
public sealed record ListPage(IReadOnlyList<StoredObject> Items, long Revision, bool HasMore);

/// <summary>What happened to a key.</summary>
public enum StorageEventType
{
    /// <summary>The key was created.</summary>
    Created,
    /// <summary>The key was replaced.</summary>
    Updated,
    /// <summary>The key was deleted; the event carries its final state.</summary>
    Deleted,
    /// <summary>No change: the watch has seen every change up to <see cref="StorageEvent.Revision"/>.</summary>
    Progress,
}

/// <summary>One change of the log as seen by a watch.</summary>
/// <param name="Value">The new state (the final state for Deleted; empty for Progress).</param>
/// <param name="PreviousValue">The state before this change (null for Created and Progress).</param>
public sealed record StorageEvent(StorageEventType Type, string Key, byte[] Value, byte[]? PreviousValue, long Revision);

/// <summary>A running watch. Dispose to stop it.</summary>
public interface IStorageWatch : IAsyncDisposable
{
    /// <summary>
    /// The events, in revision order. The reader completes with <see cref="WatchOverflowException"/> when the
    /// consumer fell too far behind, or normally when the store shuts down.
    /// </summary>
    System.Threading.Channels.ChannelReader<StorageEvent> Events { get; }

    /// <summary>
    /// Asks for a <see cref="StorageEventType.Progress"/> event, queued behind every change already sent to
    /// this watch, so that its revision is a safe resume point (a bookmark).
    /// </summary>
    void RequestProgress();
}

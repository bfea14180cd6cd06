namespace Datum.Storage;

/// <summary>
/// A log that several stores (replicas, each in its own process) write at once. Unlike a plain
/// <see cref="ILogBackend"/>, the database assigns the revisions and checks compare-and-swap, inside a
/// transaction that serialises every writer, so commit order is revision order; each replica follows the log
/// with <see cref="ReadChangesAsync"/>, woken by <see cref="WaitForChangeAsync"/>.
/// </summary>
internal interface ISharedLogBackend : ILogBackend
{
    /// <summary>
    /// Starts a write transaction: takes the global revision lock (so no other writer on any replica can
    /// commit until this one ends) and reads the newest row of each of <paramref name="keys"/>.
    /// </summary>
    ValueTask<ISharedWriteTransaction> BeginWriteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>Rows with revision in (<paramref name="afterRevision"/>, <paramref name="throughRevision"/>], in revision order, at most <paramref name="maxRows"/>.</summary>
    ValueTask<IReadOnlyList<LogRow>> ReadChangesAsync(long afterRevision, long throughRevision, int maxRows, CancellationToken cancellationToken);

    /// <summary>The compacted revision recorded in the log.</summary>
    ValueTask<long> ReadCompactedRevisionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes sure the change notifications are subscribed (reconnecting if needed), so a commit after this
    /// returns wakes <see cref="WaitForChangeAsync"/>.
    /// </summary>
    ValueTask EnsureSubscribedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Waits until a commit is notified or <paramref name="timeout"/> passes. Returns the highest revision notified
    /// since the last call, or null when none was (a timeout: the caller should poll the log anyway).
    /// </summary>
    ValueTask<long?> WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>An open write transaction of an <see cref="ISharedLogBackend"/>, holding the global revision lock.</summary>
internal interface ISharedWriteTransaction : IAsyncDisposable
{
    /// <summary>The newest committed revision (the next write gets this plus one).</summary>
    long Revision { get; }

    /// <summary>The newest row of a key asked for, tombstones included; null when the log has none.</summary>
    LogRow? Newest(string key);

    /// <summary>Appends the rows (consecutive revisions after <see cref="Revision"/>), advances the counter, notifies the replicas and commits durably.</summary>
    ValueTask CommitAsync(IReadOnlyList<LogRow> rows, CancellationToken cancellationToken);
}

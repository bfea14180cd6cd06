namespace Datum.Storage;

/// <summary>
/// The durable log under <see cref="RevisionedStore"/>. The store owns all logic (revisions, compare-and-swap,
/// current state, watches); a backend only persists and queries rows, so another database can be added
/// by implementing this interface.
/// </summary>
/// <remarks>
/// <see cref="AppendAsync"/> and <see cref="CompactAsync"/> are only called from the store's single writer,
/// never concurrently with each other. The read methods may run concurrently with them and with each other.
/// </remarks>
internal interface ILogBackend : IAsyncDisposable
{
    /// <summary>Reads the live state and the revision counters.</summary>
    ValueTask<LogLoadResult> LoadAsync(CancellationToken cancellationToken);

    /// <summary>The newest revision the log holds (never below the compacted one).</summary>
    ValueTask<long> ReadCurrentRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Appends rows in one durable transaction: when this returns, all of them survive a crash; when it throws, none was written.</summary>
    ValueTask AppendAsync(IReadOnlyList<LogRow> rows, CancellationToken cancellationToken);

    /// <summary>
    /// The newest non-deleted row of every key at or after <paramref name="fromKey"/> (or strictly after it when
    /// <paramref name="exclusive"/>) as of <paramref name="revision"/>, in key order. Consumers stop reading when
    /// they have enough. Throws <see cref="RevisionCompactedException"/> when <paramref name="revision"/> is compacted.
    /// </summary>
    IAsyncEnumerable<LogRow> ReadSnapshotAsync(string fromKey, bool exclusive, long revision, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="maxEntries"/> rows with revision in (<paramref name="afterRevision"/>, <paramref name="throughRevision"/>]
    /// whose key starts with <paramref name="prefix"/>, in revision order. Throws <see cref="RevisionCompactedException"/>
    /// when history after <paramref name="afterRevision"/> may be incomplete.
    /// </summary>
    ValueTask<IReadOnlyList<LogHistoryEntry>> ReadHistoryAsync(string prefix, long afterRevision, long throughRevision, int maxEntries, CancellationToken cancellationToken);

    /// <summary>Deletes history at or below <paramref name="revision"/> except each live key's newest row, and records the compacted revision.</summary>
    ValueTask CompactAsync(long revision, CancellationToken cancellationToken);
}

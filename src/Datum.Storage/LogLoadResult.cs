namespace Datum.Storage;

/// <summary>What the store needs from the log at open.</summary>
/// <param name="LiveRows">The newest row of every key that is not deleted.</param>
/// <param name="CurrentRevision">The newest revision ever assigned (never below the compacted one).</param>
/// <param name="CompactedRevision">History at or below this revision is gone.</param>
internal sealed record LogLoadResult(IReadOnlyList<LogRow> LiveRows, long CurrentRevision, long CompactedRevision);

namespace Datum.Storage;

/// <summary>Settings of a <see cref="RevisionedStore"/>.</summary>
/// <param name="DatabasePath">The SQLite file; its directory is created if missing. A side file <c>{DatabasePath}.lock</c> guards against a second opener.
/// Ignored when <see cref="DatastoreEndpoint"/> is set.</param>
public sealed record RevisionedStoreOptions(string DatabasePath)
{
    /// <summary>
    /// A PostgreSQL database (<c>postgres://user:pass@host:port/db</c>, or an Npgsql connection string) to use instead
    /// of the SQLite file; several stores may share it (replicas). Null or empty selects SQLite.
    /// </summary>
    public string? DatastoreEndpoint { get; init; }

    /// <summary>How often the background compaction runs; <see cref="TimeSpan.Zero"/> disables it.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>History younger than this is never compacted by the background loop.</summary>
    public TimeSpan CompactionRetention { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The background loop always keeps at least this many revisions of history.</summary>
    public long MinRetainedRevisions { get; init; } = 1000;

    /// <summary>Events buffered per watch; a consumer that lets its buffer fill is dropped with <see cref="WatchOverflowException"/>.</summary>
    public int WatchChannelCapacity { get; init; } = 10_000;

    /// <summary>Recent events kept in memory so that watches from a recent revision replay without reading the log.</summary>
    public int WatchHistoryCapacity { get; init; } = 50_000;

    /// <summary>The most writes committed in one transaction (one fsync).</summary>
    public int MaxWriteBatch { get; init; } = 256;

    /// <summary>The clock of the background compaction's retention (replaceable in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called when a background compaction fails (the store has no logger); the loop keeps running.</summary>
    public Action<Exception>? OnBackgroundError { get; init; }
}

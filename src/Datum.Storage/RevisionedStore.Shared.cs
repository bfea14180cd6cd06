namespace Datum.Storage;

/// <summary>
/// The shared-log half of the store (PostgreSQL, several replicas on one database). The writer still
/// group-commits, but the database assigns revisions and checks compare-and-swap inside a transaction that
/// holds the global revision lock; memory and watches then follow the log strictly in revision order, fed by
/// this replica's own commits and by the change feed (notification wake-ups plus catch-up reads).
/// </summary>
public sealed partial class RevisionedStore
{
    private const int FeedBatch = 1000;
    private const int BeginWriteAttempts = 3;
    private static readonly TimeSpan FeedPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FutureRevisionWait = TimeSpan.FromSeconds(3);

    /// <summary>The gate both apply paths take; tests hold it to make a replica fall behind.</summary>
    internal SemaphoreSlim ApplyGateForTests => _applyGate;

    private async Task CommitSharedBatchAsync(ISharedLogBackend shared, List<WriteWork> batch)
    {
        var claimed = new List<WriteWork>(batch.Count);
        foreach (var work in batch)
        {
            if (work.TryClaim())
            {
                claimed.Add(work);
            }
        }
        if (claimed.Count == 0)
        {
            return;
        }

        var keys = claimed.Select(w => w.Key).Distinct(StringComparer.Ordinal).ToList();
        ISharedWriteTransaction transaction;
        try
        {
            transaction = await BeginWriteWithRetryAsync(shared, keys).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            foreach (var work in claimed)
            {
                work.Fail(ex);
            }
            return;
        }

        List<(WriteWork Work, StoredObject Result)> accepted;
        List<LogRow> rows;
        // Writes refused by a check; failed only once this replica has caught up with the state they were judged
        // against, so a caller that re-reads and retries (an unconditional update) sees the newer object.
        var rejected = new List<(WriteWork Work, StorageException Failure)>();
        var judgedAt = transaction.Revision;
        await using (transaction.ConfigureAwait(false))
        {
            // Effects of earlier writes of this batch on later ones (null = deleted in this batch).
            var pending = new Dictionary<string, StoredObject?>(StringComparer.Ordinal);
            accepted = new List<(WriteWork, StoredObject)>(claimed.Count);
            rows = new List<LogRow>(claimed.Count);
            var revision = transaction.Revision;
            foreach (var work in claimed)
            {
                StoredObject? current;
                if (!pending.TryGetValue(work.Key, out current))
                {
                    var newest = transaction.Newest(work.Key);
                    current = newest is null || newest.Deleted ? null : new StoredObject(newest.Key, newest.Value, newest.CreateRevision, newest.Revision);
                }
                var failure = Check(work, current);
                if (failure is not null)
                {
                    rejected.Add((work, failure));
                    continue;
                }
                if (!TryStage(work, current, ref revision, rows, out var result)) continue;
                pending[work.Key] = work.Kind == WriteKind.Delete ? null : result;
                accepted.Add((work, result));
            }
            if (accepted.Count > 0)
            {
                try
                {
                    await transaction.CommitAsync(rows, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // Rolled back, or (connection lost during COMMIT) unknown: then the feed applies it if it landed.
                    foreach (var (work, _) in accepted)
                    {
                        work.Fail(ex);
                    }
                    accepted.Clear();
                }
            }
        }

        if (rejected.Count > 0)
        {
            if (_state.Revision < judgedAt)
            {
                try
                {
                    await _applyGate.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        await CatchUpLockedAsync(shared, judgedAt, CancellationToken.None).ConfigureAwait(false);
                    }
                    finally
                    {
                        _applyGate.Release();
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Best effort: the refusal stands either way, and the feed catches up on its own.
                }
            }
            foreach (var (work, failure) in rejected)
            {
                work.Fail(failure);
            }
        }
        if (accepted.Count == 0)
        {
            return;
        }

        // Committed: apply in revision order (after whatever other replicas committed before us), then acknowledge,
        // so a read on this replica after the acknowledgement sees the write.
        try
        {
            await ApplyOwnCommitAsync(shared, rows).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            foreach (var (work, _) in accepted)
            {
                work.Fail(new InvalidOperationException("the write was committed but this replica could not catch up with the log", ex));
            }
            return;
        }
        foreach (var (work, result) in accepted)
        {
            work.Complete(result);
        }
    }

    private async Task<ISharedWriteTransaction> BeginWriteWithRetryAsync(ISharedLogBackend shared, IReadOnlyCollection<string> keys)
    {
        // Nothing is written before the transaction has begun, so a broken pooled connection (the database
        // restarted) can safely be retried on a fresh one.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await shared.BeginWriteAsync(keys, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < BeginWriteAttempts && ex is not StorageException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt)).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplyOwnCommitAsync(ISharedLogBackend shared, IReadOnlyList<LogRow> rows)
    {
        var first = rows[0].Revision;
        var last = rows[^1].Revision;
        for (var attempt = 0; ; attempt++)
        {
            await _applyGate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_state.Revision < first - 1)
                {
                    await CatchUpLockedAsync(shared, first - 1, CancellationToken.None).ConfigureAwait(false);
                }
                if (_state.Revision == first - 1)
                {
                    ApplyRowsLocked(rows);
                }
                else if (_state.Revision < last)
                {
                    // Only part of our commit was applied (cannot happen with gapless revisions); read it back.
                    await CatchUpLockedAsync(shared, last, CancellationToken.None).ConfigureAwait(false);
                }
                return;
            }
            catch (Exception) when (attempt < 50 && !_shutdown.IsCancellationRequested)
            {
                // The database went away right after the commit: retry until it is back (the write is durable).
            }
            finally
            {
                _applyGate.Release();
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
        }
    }

    /// <summary>Follows the log: on every wake-up (notification or poll), applies whatever was committed since.</summary>
    private async Task FeedLoopAsync(CancellationToken cancellationToken)
    {
        var shared = _shared!;
        var delay = TimeSpan.FromMilliseconds(100);
        long? notified = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Subscribe first, then catch up: a commit after the catch-up read always wakes us.
                await shared.EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
                // A notification of a revision already applied (typically this replica's own commit) needs no read;
                // a poll (no notification) also refreshes the compacted revision.
                if (notified is null || notified > _state.Revision)
                {
                    await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await CatchUpLockedAsync(shared, long.MaxValue, cancellationToken).ConfigureAwait(false);
                        if (notified is null)
                        {
                            var compacted = await shared.ReadCompactedRevisionAsync(cancellationToken).ConfigureAwait(false);
                            if (compacted > CompactedRevision)
                            {
                                Volatile.Write(ref _compactedRevision, Math.Min(compacted, _state.Revision));
                            }
                        }
                    }
                    finally
                    {
                        _applyGate.Release();
                    }
                }
                delay = TimeSpan.FromMilliseconds(100);
                notified = await shared.WaitForChangeAsync(FeedPollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is unreachable (restart, network): watches stay open and resume from the log.
                _options.OnBackgroundError?.Invoke(ex);
                notified = null;
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <summary>
    /// On a shared log, a revision a client got from another replica may not have reached this one yet: wait a
    /// little (as kube-apiserver's watch cache does) before calling it a future revision.
    /// </summary>
    private async ValueTask WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        if (_shared is null || revision <= _state.Revision)
        {
            return;
        }
        var deadline = Environment.TickCount64 + (long)FutureRevisionWait.TotalMilliseconds;
        while (revision > _state.Revision && Environment.TickCount64 < deadline && !_shutdown.IsCancellationRequested)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads and applies the log after the current revision, through <paramref name="through"/> (or its end). Holds the apply gate.</summary>
    private async Task CatchUpLockedAsync(ISharedLogBackend shared, long through, CancellationToken cancellationToken)
    {
        while (_state.Revision < through)
        {
            var after = _state.Revision;
            var rows = await shared.ReadChangesAsync(after, through, FeedBatch, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                if (through == long.MaxValue)
                {
                    return;
                }
                // The revisions asked for are committed, so they can only be missing because they were compacted away.
                await ReloadLockedAsync(shared, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (!Consecutive(rows, after))
            {
                // A gap in the log: this replica fell behind a compaction. Start over from the current state.
                await ReloadLockedAsync(shared, cancellationToken).ConfigureAwait(false);
                return;
            }
            ApplyRowsLocked(rows);
            if (rows.Count < FeedBatch && through == long.MaxValue)
            {
                return;
            }
        }
    }

    private static bool Consecutive(IReadOnlyList<LogRow> rows, long after)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Revision != after + 1 + i)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Applies committed rows (consecutive, following the current revision) to memory and publishes them.</summary>
    private void ApplyRowsLocked(IReadOnlyList<LogRow> rows)
    {
        var events = new List<StorageEvent>(rows.Count);
        foreach (var row in rows)
        {
            var probe = StateSnapshot.Probe(row.Key);
            var previous = _objects.TryGetValue(probe, out var found) ? found : null;
            if (previous is not null)
            {
                _objects.Remove(probe);
            }
            if (row.Deleted)
            {
                events.Add(new StorageEvent(StorageEventType.Deleted, row.Key, row.Value, previous?.Value, row.Revision));
                continue;
            }
            _objects.Add(new StoredObject(row.Key, row.Value, row.CreateRevision, row.Revision));
            events.Add(row.CreateRevision == row.Revision
                ? new StorageEvent(StorageEventType.Created, row.Key, row.Value, null, row.Revision)
                : new StorageEvent(StorageEventType.Updated, row.Key, row.Value, previous?.Value, row.Revision));
        }
        var revision = rows[^1].Revision;
        _state = new StateSnapshot(_objects.ToImmutable(), revision);
        _hub.Publish(events);
        _timeline.Record(revision);
    }

    /// <summary>
    /// Replaces memory with the log's current state after this replica missed compacted history. Its watches
    /// cannot be continued without a gap, so they end with <see cref="RevisionCompactedException"/> (clients relist).
    /// </summary>
    private async Task ReloadLockedAsync(ISharedLogBackend shared, CancellationToken cancellationToken)
    {
        var loaded = await shared.LoadAsync(cancellationToken).ConfigureAwait(false);
        var previous = _state.Revision;
        _objects.Clear();
        foreach (var row in loaded.LiveRows)
        {
            _objects.Add(new StoredObject(row.Key, row.Value, row.CreateRevision, row.Revision));
        }
        Volatile.Write(ref _compactedRevision, loaded.CompactedRevision);
        _state = new StateSnapshot(_objects.ToImmutable(), loaded.CurrentRevision);
        _hub.Reset(loaded.CurrentRevision, new RevisionCompactedException(previous, loaded.CompactedRevision));
        _timeline.Record(loaded.CurrentRevision);
    }

    private async Task CompactSharedAsync(long revision, CancellationToken cancellationToken)
    {
        await _compactGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (revision <= CompactedRevision)
            {
                return;
            }
            await _backend.CompactAsync(revision, cancellationToken).ConfigureAwait(false);
            // Never beyond what this replica has applied, so its own lists and watches there stay served.
            var compacted = Math.Min(revision, _state.Revision);
            long seen;
            do
            {
                seen = Volatile.Read(ref _compactedRevision);
            }
            while (compacted > seen && Interlocked.CompareExchange(ref _compactedRevision, compacted, seen) != seen);
        }
        finally
        {
            _compactGate.Release();
        }
    }
}

using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Datum.Storage.Postgres;

/// <summary>
/// The log in a PostgreSQL database that several replicas share. A write transaction locks the single row of
/// <c>datum_revision</c> (<c>SELECT ... FOR UPDATE</c>), reads the keys it writes, appends rows with the next
/// revisions, advances the counter and NOTIFYs the new revision, then commits (synchronous_commit=on). Because
/// every writer holds that lock until it commits, commits happen in revision order and revisions have no gaps,
/// so a follower that reads <c>rev &gt; last ORDER BY rev</c> never skips one.
/// </summary>
internal sealed class PostgresLogBackend : ISharedLogBackend
{
    private const int SnapshotChunk = 500;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _listenConnectionString;
    private NpgsqlConnection? _listener;
    private long _notified;

    private PostgresLogBackend(NpgsqlDataSource dataSource, string listenConnectionString)
    {
        _dataSource = dataSource;
        _listenConnectionString = listenConnectionString;
    }

    /// <summary>Connects, checks durability settings, and creates or migrates the schema.</summary>
    public static async Task<PostgresLogBackend> OpenAsync(string endpoint, CancellationToken cancellationToken)
    {
        var builder = PostgresEndpoint.Parse(endpoint);
        var dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                // The durability contract: a commit is flushed to disk before it is acknowledged.
                foreach (var (setting, wanted) in new[] { ("fsync", new[] { "on" }), ("synchronous_commit", new[] { "on", "remote_write", "remote_apply" }) })
                {
                    await using var show = new NpgsqlCommand($"SHOW {setting}", connection);
                    var value = (string)(await show.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                    if (!wanted.Contains(value, StringComparer.OrdinalIgnoreCase))
                    {
                        throw new InvalidOperationException($"PostgreSQL at {builder.Host}:{builder.Port} has {setting}={value}; datum needs {wanted[0]} for durable writes");
                    }
                }
            }
            await PostgresSchema.MigrateAsync(dataSource, cancellationToken).ConfigureAwait(false);
            var listen = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false, KeepAlive = 10 };
            return new PostgresLogBackend(dataSource, listen.ConnectionString);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal NpgsqlDataSource DataSource => _dataSource;

    public async ValueTask<LogLoadResult> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var current = await ScalarAsync(connection, "SELECT current FROM datum_revision WHERE id = 1", cancellationToken).ConfigureAwait(false);
        var compacted = await ReadCompactedAsync(connection, cancellationToken).ConfigureAwait(false);
        var rows = new List<LogRow>();
        await using (var command = new NpgsqlCommand(
            "SELECT DISTINCT ON (key) rev, key, create_rev, prev_rev, deleted, value FROM datum_log ORDER BY key, rev DESC", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = ReadRow(reader);
                if (!row.Deleted)
                {
                    rows.Add(row);
                }
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new LogLoadResult(rows, Math.Max(current, compacted), compacted);
    }

    public async ValueTask<long> ReadCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ScalarAsync(connection, "SELECT current FROM datum_revision WHERE id = 1", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> ReadCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadCompactedAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask AppendAsync(IReadOnlyList<LogRow> rows, CancellationToken cancellationToken) =>
        throw new NotSupportedException("a shared log assigns revisions in BeginWriteAsync");

    public async ValueTask<ISharedWriteTransaction> BeginWriteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction);
            // The lock first; the second statement's snapshot is taken after it is granted, so it sees every earlier commit.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT current FROM datum_revision WHERE id = 1 FOR UPDATE"));
            var newest = new NpgsqlBatchCommand(
                "SELECT DISTINCT ON (key) rev, key, create_rev, prev_rev, deleted, value FROM datum_log WHERE key = ANY($1) ORDER BY key, rev DESC");
            newest.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands.Add(newest);
            long revision;
            var rows = new Dictionary<string, LogRow>(StringComparer.Ordinal);
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                revision = reader.GetInt64(0);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = ReadRow(reader);
                    rows[row.Key] = row;
                }
            }
            return new WriteTransaction(connection, transaction, revision, rows);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<IReadOnlyList<LogRow>> ReadChangesAsync(long afterRevision, long throughRevision, int maxRows, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT rev, key, create_rev, prev_rev, deleted, value FROM datum_log WHERE rev > $1 AND rev <= $2 ORDER BY rev LIMIT $3", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = afterRevision });
        command.Parameters.Add(new NpgsqlParameter { Value = throughRevision });
        command.Parameters.Add(new NpgsqlParameter { Value = maxRows });
        var rows = new List<LogRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadRow(reader));
        }
        return rows;
    }

    public async IAsyncEnumerable<LogRow> ReadSnapshotAsync(string fromKey, bool exclusive, long revision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One snapshot for the compaction check and every chunk (compaction records its revision before deleting).
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var compacted = await ReadCompactedAsync(connection, cancellationToken).ConfigureAwait(false);
                if (revision <= compacted)
                {
                    throw new RevisionCompactedException(revision, compacted);
                }
                // Chunks of keys, so a consumer that stops early (a small page) does not make us stream the rest.
                var from = fromKey;
                var inclusive = !exclusive;
                while (true)
                {
                    var chunk = new List<LogRow>(SnapshotChunk);
                    var keys = 0;
                    string? lastKey = null;
                    await using (var command = new NpgsqlCommand($"""
                        SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value
                        FROM (SELECT key, MAX(rev) AS rev FROM datum_log WHERE key {(inclusive ? ">=" : ">")} $1 AND rev <= $2
                              GROUP BY key ORDER BY key LIMIT $3) AS newest
                        JOIN datum_log AS l ON l.rev = newest.rev
                        ORDER BY newest.key
                        """, connection))
                    {
                        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Text });
                        command.Parameters.Add(new NpgsqlParameter { Value = revision });
                        command.Parameters.Add(new NpgsqlParameter { Value = SnapshotChunk });
                        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            var row = ReadRow(reader);
                            keys++;
                            lastKey = row.Key;
                            if (!row.Deleted)
                            {
                                chunk.Add(row);
                            }
                        }
                    }
                    foreach (var row in chunk)
                    {
                        yield return row;
                    }
                    if (keys < SnapshotChunk)
                    {
                        break;
                    }
                    from = lastKey!;
                    inclusive = false;
                }
            }
        }
    }

    public async ValueTask<IReadOnlyList<LogHistoryEntry>> ReadHistoryAsync(string prefix, long afterRevision, long throughRevision, int maxEntries, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var compacted = await ReadCompactedAsync(connection, cancellationToken).ConfigureAwait(false);
        if (afterRevision < compacted)
        {
            throw new RevisionCompactedException(afterRevision, compacted);
        }
        await using var command = new NpgsqlCommand($"""
            SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value, p.value
            FROM datum_log AS l LEFT JOIN datum_log AS p ON p.rev = l.prev_rev AND l.prev_rev <> 0
            WHERE l.rev > $1 AND l.rev <= $2{(prefix.Length == 0 ? "" : " AND starts_with(l.key, $4)")}
            ORDER BY l.rev
            LIMIT $3
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = afterRevision });
        command.Parameters.Add(new NpgsqlParameter { Value = throughRevision });
        command.Parameters.Add(new NpgsqlParameter { Value = maxEntries });
        if (prefix.Length != 0)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = prefix, NpgsqlDbType = NpgsqlDbType.Text });
        }
        var entries = new List<LogHistoryEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = ReadRow(reader);
            var previous = reader.IsDBNull(6) ? null : (byte[])reader.GetValue(6);
            entries.Add(new LogHistoryEntry(row, previous));
        }
        return entries;
    }

    /// <summary>
    /// Records the compacted revision first (readers check it in their snapshot, so none reads a half-compacted
    /// range), then deletes in short transactions of bounded revision ranges, beside the writers.
    /// </summary>
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken)
    {
        const long window = 10_000;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var record = new NpgsqlCommand("UPDATE datum_meta SET value = GREATEST(value, $1) WHERE name = 'compacted_revision'", connection))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = revision });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var low = await ScalarAsync(connection, "SELECT COALESCE(MIN(rev), 0) - 1 FROM datum_log", cancellationToken).ConfigureAwait(false);
        while (low < revision)
        {
            var high = Math.Min(low + window, revision);
            await using var delete = new NpgsqlCommand("""
                DELETE FROM datum_log AS l
                WHERE l.rev > $1 AND l.rev <= $2
                  AND (l.deleted OR EXISTS (SELECT 1 FROM datum_log AS n WHERE n.key = l.key AND n.rev > l.rev AND n.rev <= $3))
                """, connection);
            delete.Parameters.Add(new NpgsqlParameter { Value = low });
            delete.Parameters.Add(new NpgsqlParameter { Value = high });
            delete.Parameters.Add(new NpgsqlParameter { Value = revision });
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            low = high;
        }
    }

    public async ValueTask EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (_listener is { State: ConnectionState.Open })
        {
            return;
        }
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
            _listener = null;
        }
        var listener = new NpgsqlConnection(_listenConnectionString);
        try
        {
            listener.Notification += OnNotification;
            await listener.OpenAsync(cancellationToken).ConfigureAwait(false);
            await PostgresSchema.ExecuteAsync(listener, $"LISTEN {PostgresSchema.Channel}", cancellationToken).ConfigureAwait(false);
            _listener = listener;
        }
        catch
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<long?> WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var listener = _listener ?? throw new InvalidOperationException("not subscribed");
        if (TakeNotified() is { } already)
        {
            return already;
        }
        try
        {
            await listener.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _listener = null;
            await listener.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return TakeNotified();
    }

    private long? TakeNotified()
    {
        var notified = Interlocked.Exchange(ref _notified, 0);
        return notified == 0 ? null : notified;
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        // The payload is the committing transaction's newest revision; a malformed one still counts as a wake-up.
        var revision = long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : long.MaxValue;
        long seen;
        do
        {
            seen = Volatile.Read(ref _notified);
        }
        while (revision > seen && Interlocked.CompareExchange(ref _notified, revision, seen) != seen);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private static LogRow ReadRow(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetInt64(3),
        reader.GetBoolean(4),
        (byte[])reader.GetValue(5));

    private static async Task<long> ReadCompactedAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await ScalarAsync(connection, "SELECT value FROM datum_meta WHERE name = 'compacted_revision'", cancellationToken).ConfigureAwait(false);

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private sealed class WriteTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, long revision, Dictionary<string, LogRow> newest)
        : ISharedWriteTransaction
    {
        public long Revision { get; } = revision;

        public LogRow? Newest(string key) => newest.TryGetValue(key, out var row) ? row : null;

        public async ValueTask CommitAsync(IReadOnlyList<LogRow> rows, CancellationToken cancellationToken)
        {
            var count = rows.Count;
            var revisions = new long[count];
            var keys = new string[count];
            var createRevisions = new long[count];
            var previousRevisions = new long[count];
            var deleted = new bool[count];
            var values = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                var row = rows[i];
                revisions[i] = row.Revision;
                keys[i] = row.Key;
                createRevisions[i] = row.CreateRevision;
                previousRevisions[i] = row.PreviousRevision;
                deleted[i] = row.Deleted;
                values[i] = row.Value;
            }
            var last = rows[^1].Revision;
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                var insert = new NpgsqlBatchCommand(
                    "INSERT INTO datum_log (rev, key, create_rev, prev_rev, deleted, value) SELECT * FROM unnest($1, $2, $3, $4, $5, $6)");
                insert.Parameters.Add(new NpgsqlParameter { Value = revisions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                insert.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                insert.Parameters.Add(new NpgsqlParameter { Value = createRevisions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                insert.Parameters.Add(new NpgsqlParameter { Value = previousRevisions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                insert.Parameters.Add(new NpgsqlParameter { Value = deleted, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean });
                insert.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                batch.BatchCommands.Add(insert);
                var advance = new NpgsqlBatchCommand("UPDATE datum_revision SET current = $1 WHERE id = 1");
                advance.Parameters.Add(new NpgsqlParameter { Value = last });
                batch.BatchCommands.Add(advance);
                // Delivered to listeners only when (and if) the transaction commits.
                var notify = new NpgsqlBatchCommand($"SELECT pg_notify('{PostgresSchema.Channel}', $1)");
                notify.Parameters.Add(new NpgsqlParameter { Value = last.ToString(CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text });
                batch.BatchCommands.Add(notify);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

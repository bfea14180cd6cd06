using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Datum.Storage.Sqlite;

/// <summary>
/// The log in one SQLite file, in the shape of k3s kine: an append-only <c>log</c> table keyed by revision,
/// plus a <c>meta</c> table holding the compacted revision.
/// </summary>
/// <remarks>
/// One long-lived connection does all writes (the store serializes them). Reads use short-lived pooled
/// connections: WAL mode gives each read transaction a stable snapshot without blocking the writer.
/// </remarks>
internal sealed class SqliteLogBackend : ILogBackend
{
    private const string CompactedRevisionName = "compacted_revision";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS log (
            rev        INTEGER PRIMARY KEY,
            key        TEXT    NOT NULL,
            create_rev INTEGER NOT NULL,
            prev_rev   INTEGER NOT NULL,
            deleted    INTEGER NOT NULL,
            value      BLOB    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS log_key_rev ON log (key, rev);
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT    PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    private readonly SqliteConnection _writer;
    private readonly SqliteCommand _insert;
    private readonly string _readConnectionString;
    private readonly FileStream _lockFile;

    private SqliteLogBackend(SqliteConnection writer, string readConnectionString, FileStream lockFile)
    {
        _writer = writer;
        _readConnectionString = readConnectionString;
        _lockFile = lockFile;
        _insert = writer.CreateCommand();
        _insert.CommandText = "INSERT INTO log (rev, key, create_rev, prev_rev, deleted, value) VALUES ($rev, $key, $create_rev, $prev_rev, $deleted, $value)";
        _insert.Parameters.Add("$rev", SqliteType.Integer);
        _insert.Parameters.Add("$key", SqliteType.Text);
        _insert.Parameters.Add("$create_rev", SqliteType.Integer);
        _insert.Parameters.Add("$prev_rev", SqliteType.Integer);
        _insert.Parameters.Add("$deleted", SqliteType.Integer);
        _insert.Parameters.Add("$value", SqliteType.Blob);
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">Another store has the file open, or SQLite refused WAL / synchronous=FULL.</exception>
    public static async Task<SqliteLogBackend> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);

        // Two processes each holding their own in-memory state over one log would hand out the same
        // revisions; SQLite's own locking cannot prevent that, so take an exclusive lock on a side file.
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(fullPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"the store {fullPath} is already open by another store or process", ex);
        }

        SqliteConnection? writer = null;
        try
        {
            var writerConnectionString = new SqliteConnectionStringBuilder
            {
                DataSource = fullPath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,
                Pooling = false,
            }.ToString();
            var readConnectionString = new SqliteConnectionStringBuilder
            {
                DataSource = fullPath,
                Mode = SqliteOpenMode.ReadWrite,
                Cache = SqliteCacheMode.Private,
                Pooling = true,
            }.ToString();

            writer = new SqliteConnection(writerConnectionString);
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);

            var journalMode = await ScalarAsync(writer, "PRAGMA journal_mode=WAL", cancellationToken).ConfigureAwait(false);
            if (!string.Equals(Convert.ToString(journalMode, System.Globalization.CultureInfo.InvariantCulture), "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for {fullPath} (journal_mode={journalMode})");
            }

            // The durability contract rests on this: in WAL mode, FULL fsyncs the WAL on every commit.
            await ExecuteAsync(writer, "PRAGMA synchronous=FULL", cancellationToken).ConfigureAwait(false);
            var synchronous = Convert.ToInt64(await ScalarAsync(writer, "PRAGMA synchronous", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            if (synchronous != 2)
            {
                throw new InvalidOperationException($"SQLite did not accept synchronous=FULL for {fullPath} (synchronous={synchronous})");
            }

            // Checkpoint every 32 MiB of WAL instead of every 4 MiB: the pages a busy store rewrites (the log's last page,
            // the key index's hot leaves) are copied into the database once per checkpoint, so a longer interval copies
            // each of them fewer times; and keep the key index's pages in the writer's cache (16 MiB, not 2 MiB) rather
            // than reading them back for each insert.
            await ExecuteAsync(writer, "PRAGMA wal_autocheckpoint=8192", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(writer, "PRAGMA cache_size=-16384", cancellationToken).ConfigureAwait(false);

            await ExecuteAsync(writer, Schema, cancellationToken).ConfigureAwait(false);

            var backend = new SqliteLogBackend(writer, readConnectionString, lockFile);
            backend._insert.Prepare();
            return backend;
        }
        catch
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
            await lockFile.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The effective <c>PRAGMA synchronous</c> of the write connection (2 = FULL).</summary>
    internal long WriterSynchronousSetting()
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask<LogLoadResult> LoadAsync(CancellationToken cancellationToken)
    {
        using var transaction = _writer.BeginTransaction(deferred: true);
        var compacted = await ReadCompactedRevisionAsync(_writer, transaction, cancellationToken).ConfigureAwait(false);

        long maxRevision;
        using (var command = _writer.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT COALESCE(MAX(rev), 0) FROM log";
            maxRevision = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var rows = new List<LogRow>();
        using (var command = _writer.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value
                FROM (SELECT MAX(rev) AS rev FROM log GROUP BY key) AS newest
                JOIN log AS l ON l.rev = newest.rev
                WHERE l.deleted = 0
                """;
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(ReadRow(reader));
            }
        }

        transaction.Commit();
        // A compaction may have removed the newest row (a tombstone), so the compacted revision also bounds it.
        return new LogLoadResult(rows, Math.Max(maxRevision, compacted), compacted);
    }

    public async ValueTask<long> ReadCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT max((SELECT COALESCE(MAX(rev), 0) FROM log), COALESCE((SELECT value FROM meta WHERE name = $name), 0))";
        command.Parameters.AddWithValue("$name", CompactedRevisionName);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public ValueTask AppendAsync(IReadOnlyList<LogRow> rows, CancellationToken cancellationToken)
    {
        // Microsoft.Data.Sqlite has no truly asynchronous I/O; the single writer calls this synchronously,
        // and group commit amortizes the blocking fsync over the whole batch.
        using var transaction = _writer.BeginTransaction();
        _insert.Transaction = transaction;
        var parameters = _insert.Parameters;
        foreach (var row in rows)
        {
            parameters[0].Value = row.Revision;
            parameters[1].Value = row.Key;
            parameters[2].Value = row.CreateRevision;
            parameters[3].Value = row.PreviousRevision;
            parameters[4].Value = row.Deleted ? 1L : 0L;
            parameters[5].Value = row.Value;
            _insert.ExecuteNonQuery();
        }
        transaction.Commit();
        _insert.Transaction = null;
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<LogRow> ReadSnapshotAsync(string fromKey, bool exclusive, long revision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // One read transaction so the compaction check and the rows come from the same snapshot.
            using var transaction = connection.BeginTransaction(deferred: true);
            var compacted = await ReadCompactedRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (revision <= compacted)
            {
                throw new RevisionCompactedException(revision, compacted);
            }

            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            // The inner query walks the (key, rev) index without touching values; only the chosen rows are read.
            // Its ORDER BY plus the CROSS JOIN (which fixes the loop order) let SQLite stream rows in key order
            // instead of sorting the whole range in a temp b-tree, so a small page stays cheap.
            command.CommandText = $"""
                SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value
                FROM (SELECT key, MAX(rev) AS rev FROM log WHERE key {(exclusive ? ">" : ">=")} $from AND rev <= $rev GROUP BY key ORDER BY key) AS newest
                CROSS JOIN log AS l ON l.rev = newest.rev
                WHERE l.deleted = 0
                ORDER BY newest.key
                """;
            command.Parameters.AddWithValue("$from", fromKey);
            command.Parameters.AddWithValue("$rev", revision);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return ReadRow(reader);
            }
        }
    }

    public async ValueTask<IReadOnlyList<LogHistoryEntry>> ReadHistoryAsync(string prefix, long afterRevision, long throughRevision, int maxEntries, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var transaction = connection.BeginTransaction(deferred: true);
            var compacted = await ReadCompactedRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (afterRevision < compacted)
            {
                throw new RevisionCompactedException(afterRevision, compacted);
            }

            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            // A row newer than the compacted revision keeps the row it supersedes (compaction only removes rows
            // superseded at or below it), so the join always finds the previous value.
            command.CommandText = $"""
                SELECT l.rev, l.key, l.create_rev, l.prev_rev, l.deleted, l.value, p.value
                FROM log AS l LEFT JOIN log AS p ON p.rev = l.prev_rev
                WHERE l.rev > $after AND l.rev <= $through{(prefix.Length == 0 ? "" : " AND instr(l.key, $prefix) = 1")}
                ORDER BY l.rev
                LIMIT $max
                """;
            command.Parameters.AddWithValue("$after", afterRevision);
            command.Parameters.AddWithValue("$through", throughRevision);
            command.Parameters.AddWithValue("$max", maxEntries);
            if (prefix.Length != 0)
            {
                command.Parameters.AddWithValue("$prefix", prefix);
            }

            var entries = new List<LogHistoryEntry>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = ReadRow(reader);
                var previous = reader.IsDBNull(6) ? null : (byte[])reader.GetValue(6);
                entries.Add(new LogHistoryEntry(row, previous));
            }
            return entries;
        }
    }

    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken)
    {
        using (var transaction = _writer.BeginTransaction())
        {
            using (var command = _writer.CreateCommand())
            {
                command.Transaction = transaction;
                // Superseded rows at or below the revision go; so do tombstones there, whose older rows are
                // superseded by the tombstone itself. Each live key's newest row at the revision stays.
                command.CommandText = """
                    DELETE FROM log
                    WHERE rev <= $rev
                      AND (deleted = 1
                           OR EXISTS (SELECT 1 FROM log AS n WHERE n.key = log.key AND n.rev > log.rev AND n.rev <= $rev));
                    INSERT INTO meta (name, value) VALUES ($name, $rev)
                    ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value);
                    """;
                command.Parameters.AddWithValue("$rev", revision);
                command.Parameters.AddWithValue("$name", CompactedRevisionName);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            transaction.Commit();
        }

        // A large delete leaves a large WAL; give the space back. Readers in flight may keep part of it (busy), which is fine.
        await ExecuteAsync(_writer, "PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _insert.DisposeAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        // Pooled read connections would otherwise keep the file open after the store is gone.
        using (var probe = new SqliteConnection(_readConnectionString))
        {
            SqliteConnection.ClearPool(probe);
        }
        await _lockFile.DisposeAsync().ConfigureAwait(false);
    }

    private static LogRow ReadRow(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetInt64(3),
        reader.GetInt64(4) != 0,
        (byte[])reader.GetValue(5));

    private static async Task<long> ReadCompactedRevisionAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM meta WHERE name = $name";
        command.Parameters.AddWithValue("$name", CompactedRevisionName);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? 0 : (long)value;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}

using Npgsql;

namespace Datum.Storage.Postgres;

/// <summary>
/// The tables in the datastore and their migrations. <c>datum_schema_version</c> records the migrations applied;
/// they run at start, in one transaction under an advisory lock, so replicas starting together migrate once.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Advisory lock key of schema migrations ("datum" + 1).</summary>
    public const long MigrationLock = 0x6461_7475_6d01;

    /// <summary>Advisory lock key of the one-time bootstrap of shared files ("datum" + 2).</summary>
    public const long BootstrapLock = 0x6461_7475_6d02;

    /// <summary>The NOTIFY channel a commit signals, carrying the new revision.</summary>
    public const string Channel = "datum_log";

    private static readonly string[] Migrations =
    [
        // 1: the log (as SQLite's), the revision counter, the compacted revision, shared files.
        """
        CREATE TABLE datum_log (
            rev        bigint  PRIMARY KEY,
            key        text    COLLATE "C" NOT NULL,
            create_rev bigint  NOT NULL,
            prev_rev   bigint  NOT NULL,
            deleted    boolean NOT NULL,
            value      bytea   NOT NULL
        );
        CREATE INDEX datum_log_key_rev ON datum_log (key, rev);
        -- Guard: two writes can never both supersede the same row (compare-and-swap is checked under the counter lock too).
        CREATE UNIQUE INDEX datum_log_key_prev_rev ON datum_log (key, prev_rev) WHERE prev_rev <> 0;
        -- The single row every write transaction locks and advances: commit order = revision order, no gaps.
        CREATE TABLE datum_revision (
            id      integer PRIMARY KEY CHECK (id = 1),
            current bigint  NOT NULL
        );
        INSERT INTO datum_revision (id, current) VALUES (1, 0);
        CREATE TABLE datum_meta (
            name  text   PRIMARY KEY,
            value bigint NOT NULL
        );
        INSERT INTO datum_meta (name, value) VALUES ('compacted_revision', 0);
        -- Files every replica must share (cluster CA, admin credentials, service-account signing key).
        CREATE TABLE datum_files (
            name    text  PRIMARY KEY,
            content bytea NOT NULL
        );
        """,
    ];

    /// <summary>The newest schema version this build knows.</summary>
    public static int Version => Migrations.Length;

    /// <summary>Creates or migrates the schema; refuses a database migrated by a newer build.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS datum_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
        int current;
        await using (var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM datum_schema_version", connection))
        {
            current = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        if (current > Migrations.Length)
        {
            throw new InvalidOperationException($"the datastore's schema is at version {current}, newer than this build's {Migrations.Length}; upgrade datum");
        }
        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            await ExecuteAsync(connection, Migrations[version - 1], cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO datum_schema_version (version) VALUES ({version})", cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

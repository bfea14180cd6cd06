using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Datum.Bench;

/// <summary>
/// Reads a <c>datum up</c> data directory's SQLite log from outside the server, read-only: the file sizes, the
/// database size as SQLite sees it (pages in use, WAL frames included, so no checkpoint is needed) and the rows
/// written after a revision, grouped by plane and resource. Only for a server on the same host.
/// </summary>
public sealed class DataDirectoryUsage(string dataDirectory)
{
    public string DatabasePath { get; } = Path.Combine(dataDirectory, "datum.db");

    public sealed record Snapshot(long DatabaseFileBytes, long WalFileBytes, long UsedBytes, long Revision);

    /// <summary>Rows of one (plane, resource) pair written after a revision: all of them, and the newest of each key still live.</summary>
    public sealed record RowGroup(string Plane, string Resource, int Rows, long RowBytes, int LiveKeys, long LiveBytes);

    public bool Exists => File.Exists(DatabasePath);

    public async Task<Snapshot> MeasureAsync(CancellationToken ct)
    {
        await using var connection = Open();
        await connection.OpenAsync(ct);
        var pageSize = await ScalarAsync(connection, "PRAGMA page_size", ct);
        var pages = await ScalarAsync(connection, "PRAGMA page_count", ct);
        var free = await ScalarAsync(connection, "PRAGMA freelist_count", ct);
        var revision = await ScalarAsync(connection, "SELECT coalesce(max(rev), 0) FROM log", ct);
        return new Snapshot(FileLength(DatabasePath), FileLength(DatabasePath + "-wal"), (pages - free) * pageSize, revision);
    }

    /// <summary>
    /// Rows with <c>rev &gt; afterRevision</c>, grouped by plane (<c>root</c>, <c>org:*</c>, <c>project:*</c>) and
    /// <c>group/resource</c>. <paramref name="include"/> filters the planes counted (e.g. only the bench's projects).
    /// </summary>
    public async Task<List<RowGroup>> RowsSinceAsync(long afterRevision, Func<string, bool> include, CancellationToken ct)
    {
        await using var connection = Open();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // "Live" = the key's newest row overall is this row and it is not a tombstone.
        command.CommandText = """
            SELECT l.key, length(l.value), l.deleted = 0 AND l.rev = (SELECT max(rev) FROM log n WHERE n.key = l.key)
            FROM log l WHERE l.rev > $after
            """;
        command.Parameters.AddWithValue("$after", afterRevision);
        var groups = new Dictionary<(string, string), (int Rows, long Bytes, int Live, long LiveBytes)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = reader.GetString(0);
            var length = reader.GetInt64(1);
            var live = reader.GetInt64(2) != 0;
            if (!TrySplitKey(key, out var cluster, out var resource) || !include(cluster))
            {
                continue;
            }
            var plane = cluster.StartsWith("project:", StringComparison.Ordinal) ? "project:*"
                : cluster.StartsWith("org:", StringComparison.Ordinal) ? "org:*" : cluster;
            var g = groups.GetValueOrDefault((plane, resource));
            groups[(plane, resource)] = (g.Rows + 1, g.Bytes + length, g.Live + (live ? 1 : 0), g.LiveBytes + (live ? length : 0));
        }
        return [.. groups.OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2, StringComparer.Ordinal)
            .Select(g => new RowGroup(g.Key.Item1, g.Key.Item2, g.Value.Rows, g.Value.Bytes, g.Value.Live, g.Value.LiveBytes))];
    }

    /// <summary>Splits <c>/registry/{cluster}/{group}/{resource}/...</c> (core kinds have the group segment <c>core</c>).</summary>
    public static bool TrySplitKey(string key, out string cluster, out string resource)
    {
        var parts = key.Split('/');
        // "", "registry", cluster, group, resource, [ns], name
        if (parts.Length < 6 || parts[1] != "registry")
        {
            cluster = resource = "";
            return false;
        }
        cluster = parts[2];
        resource = parts[3] == "core" ? parts[4] : parts[4] + "." + parts[3];
        return true;
    }

    private SqliteConnection Open() =>
        new(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString());

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}

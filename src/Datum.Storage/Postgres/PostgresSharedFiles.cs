using System.Data;
using Npgsql;

namespace Datum.Storage.Postgres;

/// <summary>
/// Keeps files that every replica must share (the cluster CA, the admin credentials, the service-account signing
/// key) in the datastore, so replicas on different machines accept the same credentials. The first replica to start
/// against an empty database creates them and uploads them, once, under an advisory lock: replicas starting
/// together wait for it and then use its files.
/// </summary>
public static class PostgresSharedFiles
{
    /// <summary>
    /// Under the bootstrap lock: writes every file of <paramref name="names"/> (paths relative to
    /// <paramref name="directory"/>) that the database holds into the directory, replacing local copies; runs
    /// <paramref name="loadOrCreate"/> (which creates whatever is still missing); then uploads the named files the
    /// database does not have yet. Returns what <paramref name="loadOrCreate"/> returned.
    /// </summary>
    public static async Task<T> SynchronizeAsync<T>(
        string endpoint, string directory, IReadOnlyList<string> names, Func<CancellationToken, Task<T>> loadOrCreate, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(loadOrCreate);

        var builder = PostgresEndpoint.Parse(endpoint);
        builder.Pooling = false;
        await using var dataSource = NpgsqlDataSource.Create(builder);
        await PostgresSchema.MigrateAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // A session lock, held across the (possibly slow) key generation; closing the connection releases it.
        await PostgresSchema.ExecuteAsync(connection, $"SELECT pg_advisory_lock({PostgresSchema.BootstrapLock})", cancellationToken).ConfigureAwait(false);

        var stored = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand("SELECT name, content FROM datum_files WHERE name = ANY($1)", connection))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = names.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                stored[reader.GetString(0)] = (byte[])reader.GetValue(1);
            }
        }
        foreach (var (name, content) in stored)
        {
            await WriteAtomicallyAsync(PathOf(directory, name), content, cancellationToken).ConfigureAwait(false);
        }

        var result = await loadOrCreate(cancellationToken).ConfigureAwait(false);

        foreach (var name in names)
        {
            var path = PathOf(directory, name);
            if (stored.ContainsKey(name) || !File.Exists(path))
            {
                continue;
            }
            await using var insert = new NpgsqlCommand("INSERT INTO datum_files (name, content) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = name });
            insert.Parameters.Add(new NpgsqlParameter { Value = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        if (connection.State == ConnectionState.Open)
        {
            await PostgresSchema.ExecuteAsync(connection, $"SELECT pg_advisory_unlock({PostgresSchema.BootstrapLock})", cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    private static string PathOf(string directory, string name)
    {
        var path = Path.GetFullPath(Path.Combine(directory, name));
        if (!path.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"shared file name {name} leaves {directory}", nameof(name));
        }
        return path;
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (File.Exists(path) && (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(content))
        {
            return;
        }
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(temporary, options))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}

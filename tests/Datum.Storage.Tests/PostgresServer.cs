using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Datum.Storage.Tests;

/// <summary>
/// A throwaway PostgreSQL server for the tests: initdb in a temporary directory, 127.0.0.1 on a free port,
/// fsync=on and synchronous_commit=on, started on first use and stopped when the test process exits. PostgreSQL
/// refuses to run as root, so as root it runs as the <c>postgres</c> user (created as <c>datum-pg</c> when missing).
/// </summary>
internal sealed class PostgresServer
{
    private const string User = "datum";
    private const string Password = "datum-test";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private static readonly Lazy<string?> BinDirectory = new(FindBinDirectory);

    private readonly string _directory;
    private readonly string? _runAs;
    private int _databases;

    private PostgresServer(string directory, string? runAs, int port)
    {
        _directory = directory;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Why PostgreSQL tests cannot run here (binaries missing), or null when they can.</summary>
    public static string? UnavailableReason => BinDirectory.Value is null
        ? "PostgreSQL server binaries (initdb, pg_ctl) not found; install the 'postgresql' package (.ci/run does)"
        : null;

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A server of its own (for tests that restart it), stopped by <see cref="Stop"/> or at process exit.</summary>
    public static Task<PostgresServer> StartDedicatedAsync() => StartAsync();

    public string Endpoint(string database) => $"postgres://{User}:{Password}@127.0.0.1:{Port}/{database}";

    /// <summary>A fresh, empty database on the shared server; returns its endpoint.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..12]}";
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = User, Password = Password, Database = "postgres", Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return Endpoint(name);
    }

    /// <summary>Restarts the server (fast shutdown: clients are disconnected), on the same port and data.</summary>
    public void Restart() => PgCtl("restart", "-m", "fast", "-w", "-t", "60");

    private static async Task<PostgresServer> StartAsync()
    {
        var bin = BinDirectory.Value ?? throw new InvalidOperationException(UnavailableReason);
        string? runAs = null;
        if (Environment.UserName == "root")
        {
            runAs = UserExists("postgres") ? "postgres" : "datum-pg";
            if (!UserExists(runAs))
            {
                Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", runAs);
            }
        }
        RemoveStaleDirectories();
        var directory = Path.Combine(Path.GetTempPath(), $"datum-pg-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(directory);
        var data = Path.Combine(directory, "data");
        var passwordFile = Path.Combine(directory, "pw");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        if (runAs is not null)
        {
            Run("chown", "-R", runAs, directory);
        }
        RunAs(runAs, Path.Combine(bin, "initdb"), "-D", data, "-U", User, "--pwfile", passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--no-locale");

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), $"""

                port = {port}
                listen_addresses = '127.0.0.1'
                unix_socket_directories = ''
                fsync = on
                synchronous_commit = on
                max_connections = 300
                shared_buffers = 32MB
                """);
            var server = new PostgresServer(directory, runAs, port);
            try
            {
                server.PgCtl("start", "-w", "-t", "60", "-l", Path.Combine(directory, "server.log"));
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                continue; // the port was taken in between; the last setting in the file wins
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
            return server;
        }
    }

    public void Stop()
    {
        try
        {
            PgCtl("stop", "-m", "immediate", "-w");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        KillPostmaster(Path.Combine(_directory, "data"));
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Data directories of earlier test processes that exited without cleaning up (killed, or cut short).</summary>
    private static void RemoveStaleDirectories()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), "datum-pg-*"))
        {
            var parts = Path.GetFileName(directory).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[2], out var pid))
            {
                continue;
            }
            try
            {
                using var process = Process.GetProcessById(pid);
                continue; // still running
            }
            catch (ArgumentException)
            {
            }
            // The test process that owned it is gone: so must its server be.
            KillPostmaster(Path.Combine(directory, "data"));
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Kills the postmaster of <paramref name="data"/> if one still runs (a stop that did not happen).</summary>
    private static void KillPostmaster(string data)
    {
        try
        {
            var pidFile = Path.Combine(data, "postmaster.pid");
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
            {
                return;
            }
            using var postmaster = Process.GetProcessById(pid);
            if (postmaster.ProcessName is "postgres" or "postmaster")
            {
                postmaster.Kill(entireProcessTree: true);
                postmaster.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // Not running, or not ours to kill.
        }
    }

    private void PgCtl(params string[] arguments) =>
        RunAs(_runAs, Path.Combine(BinDirectory.Value!, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), .. arguments]);

    private static string? FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")));
        }
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool UserExists(string name)
    {
        try
        {
            Run("id", "-u", name);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void RunAs(string? user, string program, params string[] arguments)
    {
        if (user is null)
        {
            Run(program, arguments);
        }
        else
        {
            Run("runuser", ["-u", user, "--", program, .. arguments]);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} timed out");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }
}

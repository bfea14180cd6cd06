using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Datum.Testing;

/// <summary>
/// The real <c>datum</c> executable (<c>datum.dll</c> next to the test assembly: reference src/Datum) as a child process
/// on a temporary data directory and a fixed port, so <see cref="RestartAsync"/> after a <see cref="Kill"/> (SIGKILL)
/// comes back at the same address with the same data.
/// </summary>
public sealed class DatumProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string _command;
    private Process? _process;

    private DatumProcess(string command, string dataDir, int port)
    {
        _command = command;
        DataDir = dataDir;
        Port = port;
    }

    /// <summary>The data directory.</summary>
    public string DataDir { get; }

    /// <summary>The HTTPS port.</summary>
    public int Port { get; }

    /// <summary>The admin kubeconfig the server writes.</summary>
    public string KubeconfigPath => Path.Combine(DataDir, "admin.kubeconfig");

    /// <summary>The process id (for RSS and load figures).</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>What the process printed.</summary>
    public string Logs
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>The <c>datum</c> executable next to the test assembly, for tests that start other commands of it.</summary>
    public static string DatumDll => Path.Combine(AppContext.BaseDirectory, "datum.dll");

    /// <summary>Starts <c>datum {command}</c> (<c>server</c> or <c>up</c>) and waits until it serves.</summary>
    public static async Task<DatumProcess> StartAsync(string command = "server")
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var process = new DatumProcess(command, Directory.CreateTempSubdirectory("datum-proc-").FullName, port);
        await process.LaunchAsync();
        return process;
    }

    private async Task LaunchAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DatumDll, _command, "--data-dir", DataDir, "--secure-port", Port.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("DATUM_DATA_DIR");
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
            if (e.Data.Contains("serving at https://", StringComparison.Ordinal)) serving.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_output) _output.AppendLine(e.Data);
        };
        process.Exited += (_, _) => serving.TrySetException(new InvalidOperationException("datum exited before serving:\n" + Logs));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await serving.Task.WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>Starts again on the same data directory and port.</summary>
    public async Task RestartAsync()
    {
        Kill();
        _process?.Dispose();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await LaunchAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                await Task.Delay(1000); // the port may linger briefly after a kill
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            try
            {
                await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                Kill();
            }
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

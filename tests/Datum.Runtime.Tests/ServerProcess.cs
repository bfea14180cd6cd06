using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Datum.Runtime.Tests;

/// <summary>
/// The real <c>datum</c> executable on a temporary data directory and a fixed free port (so a restart keeps the
/// address), for tests that kill it with SIGKILL. Same approach as the E2E project's ServerProcess.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string[] _command;
    private Process? _process;

    private ServerProcess(string dataDir, int port, string[] command)
    {
        DataDir = dataDir;
        Port = port;
        _command = command;
    }

    public string DataDir { get; }
    public int Port { get; }
    public string KubeconfigPath => Path.Combine(DataDir, "admin.kubeconfig");

    public string Logs
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static string DatumDll => Path.Combine(AppContext.BaseDirectory, "datum.dll");

    /// <summary>Starts <c>datum up</c> (or <paramref name="command"/>) and waits until it serves.</summary>
    public static async Task<ServerProcess> StartAsync(string command = "up")
    {
        var dataDir = Directory.CreateTempSubdirectory("datum-runtime-proc-").FullName;
        var server = new ServerProcess(dataDir, FreePort(), [command]);
        await server.LaunchAsync();
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task LaunchAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DatumDll }.Concat(_command).Concat(["--data-dir", DataDir, "--secure-port", Port.ToString(CultureInfo.InvariantCulture)]))
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
            if (ServingLine().IsMatch(e.Data)) serving.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_output) _output.AppendLine(e.Data);
        };
        process.Exited += (_, _) => serving.TrySetException(new InvalidOperationException("datum exited before serving"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        // The port was free a moment ago; another process may take it meanwhile (then the start fails loudly).
        await serving.Task.WaitAsync(TimeSpan.FromSeconds(90));
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

    [GeneratedRegex(@"serving at (https://\S+)")]
    private static partial Regex ServingLine();
}

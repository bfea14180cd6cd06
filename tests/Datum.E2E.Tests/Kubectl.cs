using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Datum.E2E.Tests;

public readonly record struct KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the real kubectl against one kubeconfig, with a private discovery cache.</summary>
public sealed class Kubectl : IDisposable
{
    private readonly string _kubeconfig;
    private readonly Action<string>? _log;
    private readonly string? _context;

    /// <param name="context">A kubeconfig context to use instead of the current one (e.g. "platform").</param>
    public Kubectl(string kubeconfigPath, Action<string>? log = null, string? context = null)
    {
        _kubeconfig = kubeconfigPath;
        _log = log;
        _context = context;
        CacheDir = Directory.CreateTempSubdirectory("kubectl-cache-").FullName;
    }

    public string CacheDir { get; }

    /// <summary>The kubectl on PATH (or /usr/bin/kubectl), or null if there is none.</summary>
    public static string? Binary { get; } = FindBinary();

    private static string? FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Binary ?? throw new InvalidOperationException("kubectl not found"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_kubeconfig);
        if (_context is not null)
        {
            psi.ArgumentList.Add("--context");
            psi.ArgumentList.Add(_context);
        }
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(CacheDir);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("KUBECONFIG");
        return psi;
    }

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    public async Task<KubectlResult> RunAsync(IEnumerable<string> args, string? stdin, TimeSpan? timeout = null)
    {
        var argList = args.ToList();
        using var process = Process.Start(StartInfo(argList))!;
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
        }
        process.StandardInput.Close();

        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"kubectl {string.Join(' ', argList)} timed out\n{await stdoutTask.ConfigureAwait(false)}\n{await stderrTask.ConfigureAwait(false)}");
        }
        var result = new KubectlResult(process.ExitCode, await stdoutTask.ConfigureAwait(false), await stderrTask.ConfigureAwait(false));
        _log?.Invoke($"$ kubectl {string.Join(' ', argList)}  -> exit {result.ExitCode}");
        return result;
    }

    /// <summary>Runs and asserts exit code 0; returns stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var r = await RunAsync(args).ConfigureAwait(false);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {r}");
        return r.Stdout;
    }

    /// <summary>A long-running kubectl (e.g. <c>get -w</c>) whose stdout lines arrive on a channel.</summary>
    public KubectlStream Start(params string[] args)
    {
        var process = Process.Start(StartInfo(args))!;
        process.StandardInput.Close();
        return new KubectlStream(process);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(CacheDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class KubectlStream : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();

    internal KubectlStream(Process process)
    {
        _process = process;
        _ = Task.Run(async () =>
        {
            try
            {
                while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    _lines.Writer.TryWrite(line);
                }
            }
            finally
            {
                _lines.Writer.TryComplete();
            }
        });
        _ = Task.Run(async () =>
        {
            var err = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
            lock (_stderr)
            {
                _stderr.Append(err);
            }
        });
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The next line, or null on timeout or end of output.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _lines.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Reads until a line matches, or returns null at the deadline.</summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, Action<string>? seen = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = await ReadLineAsync(deadline - DateTime.UtcNow).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }
            seen?.Invoke(line);
            if (match(line))
            {
                return line;
            }
        }
        return null;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

/// <summary>A fact that is skipped, with the reason, when no kubectl binary is installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Binary is null)
        {
            Skip = "kubectl not found on PATH or at /usr/bin/kubectl";
        }
    }
}

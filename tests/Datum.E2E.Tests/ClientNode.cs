using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Datum.E2E.Tests;

/// <summary>Where the JavaScript client checks live (tests/clientnode) and whether they can run here.</summary>
public static class ClientNode
{
    /// <summary>tests/clientnode of this checkout, found by walking up from the test binaries; null if absent.</summary>
    public static string? Directory { get; } = FindDirectory();

    /// <summary>The node on PATH, or null.</summary>
    public static string? Node { get; } = FindOnPath("node");

    /// <summary>Why the client-node tests cannot run here, or null when they can.</summary>
    public static string? SkipReason { get; } = FindSkipReason();

    private static string? FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "clientnode");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string? FindSkipReason()
    {
        if (Node is null)
        {
            return "node not found on PATH or at /usr/bin/node";
        }
        if (Directory is null)
        {
            return $"tests/clientnode not found above {AppContext.BaseDirectory}";
        }
        // npm writes node_modules/.package-lock.json last: without it the install is missing or partial.
        if (!File.Exists(Path.Combine(Directory, "node_modules", ".package-lock.json"))
            || !File.Exists(Path.Combine(Directory, "node_modules", "@kubernetes", "client-node", "package.json")))
        {
            return $"@kubernetes/client-node is not installed: run `npm ci` in {Directory} (.ci/run does)";
        }
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when node or the npm package is missing.</summary>
public sealed class ClientNodeFactAttribute : FactAttribute
{
    public ClientNodeFactAttribute()
    {
        if (ClientNode.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>One event of the informer, as informer-check.mjs prints it.</summary>
public sealed record InformerEvent(string Type, string Name, long ResourceVersion, IReadOnlyDictionary<string, string> Data)
{
    public override string ToString() =>
        $"{Type} {Name}@{ResourceVersion} {{{string.Join(",", Data.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))}}}";

    public static InformerEvent Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in d.EnumerateObject())
            {
                data[p.Name] = p.Value.GetString() ?? "";
            }
        }
        return new InformerEvent(
            root.GetProperty("type").GetString()!,
            root.GetProperty("name").GetString()!,
            long.Parse(root.GetProperty("rv").GetString()!, CultureInfo.InvariantCulture),
            data);
    }
}

/// <summary>
/// <c>node informer-check.mjs KUBECONFIG NAMESPACE</c>: every stdout line is kept (with the time it arrived) and
/// offered on a channel; events are parsed as they arrive.
/// </summary>
public sealed class NodeInformer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _transcript = [];
    private readonly List<InformerEvent> _events = [];
    private readonly List<string> _listed = [];
    private readonly List<string> _errors = [];
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;

    private NodeInformer(Process process)
    {
        _process = process;
        _stdoutPump = Task.Run(async () =>
        {
            try
            {
                while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    Record(line);
                    _lines.Writer.TryWrite(line);
                }
            }
            finally
            {
                _lines.Writer.TryComplete();
            }
        });
        _stderrPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_transcript)
                {
                    _transcript.Add($"{DateTime.UtcNow:HH:mm:ss.fff} stderr: {line}");
                }
            }
        });
    }

    public static NodeInformer Start(string kubeconfig, string ns)
    {
        var psi = new ProcessStartInfo(ClientNode.Node!)
        {
            WorkingDirectory = ClientNode.Directory!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("informer-check.mjs");
        psi.ArgumentList.Add(kubeconfig);
        psi.ArgumentList.Add(ns);
        psi.Environment.Remove("KUBECONFIG");
        // The test's own writes go to the platform plane; datum up's kubeconfig opens in the default project.
        if (File.ReadAllText(kubeconfig).Contains("name: \"platform\"", StringComparison.Ordinal) || File.ReadAllText(kubeconfig).Contains("name: platform", StringComparison.Ordinal))
        {
            psi.Environment["KUBE_CONTEXT"] = "platform";
        }
        psi.Environment["NODE_NO_WARNINGS"] = "1";
        return new NodeInformer(Process.Start(psi)!);
    }

    private void Record(string line)
    {
        lock (_transcript)
        {
            _transcript.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            if (line.StartsWith('{'))
            {
                _events.Add(InformerEvent.Parse(line));
            }
            else if (line.StartsWith("LISTED ", StringComparison.Ordinal))
            {
                _listed.Add(line["LISTED ".Length..]);
            }
            else if (line.StartsWith("ERROR", StringComparison.Ordinal))
            {
                _errors.Add(line);
            }
        }
    }

    /// <summary>Everything node printed so far, one line each, with arrival times.</summary>
    public string Transcript
    {
        get
        {
            lock (_transcript)
            {
                return string.Join('\n', _transcript);
            }
        }
    }

    /// <summary>How many events, lists and errors have been seen so far (a mark to take the ones after it).</summary>
    public (int Events, int Listed, int Errors) Mark()
    {
        lock (_transcript)
        {
            return (_events.Count, _listed.Count, _errors.Count);
        }
    }

    public IReadOnlyList<InformerEvent> EventsSince(int mark)
    {
        lock (_transcript)
        {
            return _events.Skip(mark).ToList();
        }
    }

    public IReadOnlyList<string> ListedSince(int mark)
    {
        lock (_transcript)
        {
            return _listed.Skip(mark).ToList();
        }
    }

    public IReadOnlyList<string> ErrorsSince(int mark)
    {
        lock (_transcript)
        {
            return _errors.Skip(mark).ToList();
        }
    }

    /// <summary>Reads lines until one matches; throws with the transcript at the deadline or when node exits.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"node informer: no {what} within {timeout.TotalSeconds:F0} s (exited: {_process.HasExited})\n{Transcript}", e);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> events arrived after <paramref name="mark"/>.</summary>
    public async Task<IReadOnlyList<InformerEvent>> WaitForEventsAsync(int mark, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var events = EventsSince(mark);
            if (events.Count >= count)
            {
                return events;
            }
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException(
                    $"node informer: {events.Count} of {count} events within {timeout.TotalSeconds:F0} s (exited: {_process.HasExited}): {string.Join("; ", events)}\n{Transcript}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Asks for the informer's cache; stdout is ordered, so every event printed before it is in it.</summary>
    public async Task<(IReadOnlyList<InformerEvent> Items, string ResourceVersion)> StateAsync(TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync("state").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        var line = await WaitForLineAsync(l => l.StartsWith("STATE ", StringComparison.Ordinal), timeout, "STATE").ConfigureAwait(false);
        using var doc = JsonDocument.Parse(line["STATE ".Length..]);
        var items = doc.RootElement.GetProperty("items").EnumerateArray()
            .Select(i => InformerEvent.Parse(i.GetRawText().Insert(1, "\"type\":\"item\",")))
            .ToList();
        return (items, doc.RootElement.GetProperty("rv").GetString() ?? "");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    await _process.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
                    await _process.StandardInput.FlushAsync().ConfigureAwait(false);
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                }
                try
                {
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }
}

using System.Text.Json;
using System.Threading.Channels;

namespace Datum.E2E.Tests;

public sealed record WatchEvent(string Type, string Name, long ResourceVersion, string Raw);

/// <summary>A raw HTTP watch: one JSON event per line, pumped into a channel by a background task.</summary>
public sealed class RawWatch : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _cts = new();
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>();

    private RawWatch(HttpResponseMessage response)
    {
        _response = response;
        Completion = Task.Run(PumpAsync);
    }

    /// <summary>Completes when the stream ends; faults with the transport error if the server died.</summary>
    public Task Completion { get; }

    public static async Task<RawWatch> OpenAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new InvalidOperationException($"watch {path}: {(int)response.StatusCode} {body}");
        }
        return new RawWatch(response);
    }

    private async Task PumpAsync()
    {
        try
        {
            using var stream = await _response.Content.ReadAsStreamAsync(_cts.Token);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(_cts.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }
                using var doc = JsonDocument.Parse(line);
                var type = doc.RootElement.GetProperty("type").GetString()!;
                var obj = doc.RootElement.GetProperty("object");
                if (type == "ERROR")
                {
                    _events.Writer.TryWrite(new WatchEvent(type, "", 0, line));
                    continue;
                }
                var meta = obj.GetProperty("metadata");
                var name = meta.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                var rv = long.Parse(meta.GetProperty("resourceVersion").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                _events.Writer.TryWrite(new WatchEvent(type, name, rv, line));
            }
            _events.Writer.TryComplete();
        }
        catch (Exception e)
        {
            // The server died or the watch was disposed: readers see the end of the stream.
            _events.Writer.TryComplete(e);
        }
    }

    /// <summary>The next event, or null on timeout or end of stream (transport errors end the stream too).</summary>
    public async Task<WatchEvent?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
        catch (Exception) when (_events.Reader.Completion.IsFaulted)
        {
            return null;
        }
    }

    /// <summary>Events until the stream has been idle for <paramref name="idle"/> or has ended.</summary>
    public async Task<List<WatchEvent>> ReadUntilIdleAsync(TimeSpan idle)
    {
        var list = new List<WatchEvent>();
        while (await NextAsync(idle) is { } e)
        {
            list.Add(e);
        }
        return list;
    }

    public void Dispose()
    {
        _cts.Cancel();
        _response.Dispose();
        _cts.Dispose();
    }
}

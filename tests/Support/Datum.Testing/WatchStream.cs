using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Datum.Testing;

/// <summary>The events of one watch, read line by line in the background.</summary>
public sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpRequestMessage _request;
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    public WatchStream(HttpRequestMessage request, HttpResponseMessage response)
    {
        _request = request;
        Response = response;
        _reader = Task.Run(ReadAsync);
    }

    public HttpResponseMessage Response { get; }

    /// <summary>Set once the server ended the stream.</summary>
    public bool Ended { get; private set; }

    private async Task ReadAsync()
    {
        try
        {
            using var stream = await Response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0) continue;
                _events.Writer.TryWrite((JsonObject)JsonNode.Parse(line)!);
            }
            Ended = true;
            _events.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _events.Writer.TryComplete(_stop.IsCancellationRequested ? null : e);
        }
    }

    /// <summary>The next event, or null when the stream ended; fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            if (!await _events.Reader.WaitToReadAsync(cts.Token)) return null;
            return _events.Reader.TryRead(out var e) ? e : null;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"no watch event within {timeout ?? TimeSpan.FromSeconds(10)}");
        }
    }

    /// <summary>The next event that is not a BOOKMARK.</summary>
    public async Task<JsonObject> NextChangeAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await NextAsync(timeout) ?? throw new Xunit.Sdk.XunitException("the watch ended");
            if (e["type"]!.GetValue<string>() != "BOOKMARK") return e;
        }
    }

    /// <summary>Whether an event arrives within <paramref name="window"/> (BOOKMARKs ignored).</summary>
    public async Task<JsonObject?> TryNextChangeAsync(TimeSpan window)
    {
        try
        {
            return await NextChangeAsync(window);
        }
        catch (Xunit.Sdk.XunitException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Response.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception)
        {
        }
        _request.Dispose();
        _stop.Dispose();
    }
}

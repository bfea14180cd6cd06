using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;

namespace Datum.Bench;

/// <summary>
/// One watch on a collection that notes, per object name, the first moment its <c>Ready</c> condition was seen
/// <c>True</c> and the moment it was seen <c>DELETED</c> (Stopwatch timestamps taken when the line arrived). Started
/// from a list's resourceVersion before the writes it observes, so no event can be missed.
/// </summary>
public sealed class ConditionWatch : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> ready = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> deleted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> readyWaiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> deletedWaiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly ErrorLog errors;
    private readonly string op;

    private ConditionWatch(KubeHttpClient client, string path, string op, ErrorLog errors)
    {
        this.errors = errors;
        this.op = op;
        loop = Task.Run(() => RunAsync(client, path, stop.Token));
    }

    /// <summary>Why the watch ended early, or null while it runs.</summary>
    public string? Failure { get; private set; }

    /// <summary>Lists <paramref name="collectionPath"/> (limit=1) for a resourceVersion and watches from it.</summary>
    public static async Task<ConditionWatch> StartAsync(KubeHttpClient client, string collectionPath, string op, ErrorLog errors, CancellationToken ct)
    {
        using var body = new MemoryStream();
        var status = await client.SendIntoAsync(HttpMethod.Get, $"{collectionPath}?limit=1", null, body, $"{op}: list", ct);
        if (!BenchContext.IsSuccess(status))
        {
            throw new InvalidOperationException($"cannot list {collectionPath}: HTTP {status}");
        }
        var rv = ListResponse.Parse(body, collectNames: false).ResourceVersion;
        var path = $"{collectionPath}?watch=true&timeoutSeconds=7200" + (string.IsNullOrEmpty(rv) ? "" : "&resourceVersion=" + Uri.EscapeDataString(rv));
        return new ConditionWatch(client, path, op, errors);
    }

    /// <summary>Completes with the timestamp at which <paramref name="name"/> was first seen Ready.</summary>
    public Task<long> ReadyAsync(string name) => WaitAsync(name, ready, readyWaiters);

    /// <summary>Completes with the timestamp at which <paramref name="name"/> was seen deleted.</summary>
    public Task<long> DeletedAsync(string name) => WaitAsync(name, deleted, deletedWaiters);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }
        stop.Dispose();
        foreach (var waiter in readyWaiters.Values.Concat(deletedWaiters.Values))
        {
            waiter.TrySetCanceled();
        }
    }

    private static Task<long> WaitAsync(string name, ConcurrentDictionary<string, long> seen, ConcurrentDictionary<string, TaskCompletionSource<long>> waiters)
    {
        var waiter = waiters.GetOrAdd(name, static _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        // The event may have arrived before the waiter was registered.
        if (seen.TryGetValue(name, out var at))
        {
            waiter.TrySetResult(at);
        }
        return waiter.Task;
    }

    private static void Mark(string name, long at, ConcurrentDictionary<string, long> seen, ConcurrentDictionary<string, TaskCompletionSource<long>> waiters)
    {
        if (seen.TryAdd(name, at) && waiters.TryGetValue(name, out var waiter))
        {
            waiter.TrySetResult(at);
        }
    }

    private async Task RunAsync(KubeHttpClient client, string path, CancellationToken ct)
    {
        try
        {
            using var response = await client.OpenStreamAsync(path, ct);
            if (!response.IsSuccessStatusCode)
            {
                Failure = $"HTTP {(int)response.StatusCode}";
                errors.Record(op, (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
                return;
            }
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
            while (true)
            {
                var result = await reader.ReadAsync(ct);
                var now = Stopwatch.GetTimestamp();
                var buffer = result.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } newline)
                {
                    Handle(buffer.Slice(0, newline), now);
                    buffer = buffer.Slice(buffer.GetPosition(1, newline));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Failure = "the server closed the watch";
                    errors.Record(op, 0, Failure);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
        {
            Failure = ex.GetBaseException().Message;
            errors.Record(op, 0, Failure);
        }
    }

    private void Handle(ReadOnlySequence<byte> line, long now)
    {
        if (line.IsEmpty)
        {
            return;
        }
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var type = root.GetProperty("type").GetString();
        if (type == "ERROR")
        {
            errors.Record(op + ": ERROR event", 0, root.GetRawText());
            return;
        }
        if (!root.TryGetProperty("object", out var obj) || !obj.TryGetProperty("metadata", out var meta)
            || !meta.TryGetProperty("name", out var n) || n.GetString() is not { } name)
        {
            return;
        }
        if (type == "DELETED")
        {
            Mark(name, now, deleted, deletedWaiters);
        }
        else if (IsReady(obj))
        {
            Mark(name, now, ready, readyWaiters);
        }
    }

    /// <summary>Whether <c>status.conditions</c> holds <c>{type: Ready, status: "True"}</c>.</summary>
    public static bool IsReady(JsonElement obj)
    {
        if (!obj.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        foreach (var c in conditions.EnumerateArray())
        {
            if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("type", out var t) && t.ValueEquals("Ready")
                && c.TryGetProperty("status", out var s) && s.ValueEquals("True"))
            {
                return true;
            }
        }
        return false;
    }
}

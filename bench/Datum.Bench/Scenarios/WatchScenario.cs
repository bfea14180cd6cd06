using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Datum.Bench.Scenarios;

/// <summary>
/// --watchers concurrent watches on the namespace's ConfigMaps while a writer updates ConfigMaps at a steady rate.
/// Every update carries a sequence number (data.seq); each watcher must see each one exactly once.
/// </summary>
public static class WatchScenario
{
    private const int UpdatedObjects = 100;
    private const int MaxWritesInFlight = 32;

    private sealed class Watcher(int updates)
    {
        public readonly long[] FirstSeen = new long[updates];
        public readonly int[] Seen = new int[updates];
        public long Foreign;
        public long ErrorEvents;
        public bool Connected;
        public string? Failure;
    }

    public static async Task RunAsync(BenchContext ctx, bool http1, CancellationToken ct)
    {
        var names = ctx.SnapshotNames().Take(UpdatedObjects).ToArray();
        if (names.Length == 0)
        {
            ctx.Report.Note("watch: skipped, no objects");
            return;
        }
        var rate = ctx.Options.WatchRate;
        var updates = Math.Max(1, (int)(rate * ctx.Options.Duration.TotalSeconds));
        var watcherCount = ctx.Options.Watchers;
        var scenario = $"watch ({watcherCount} watchers, {rate} updates/s)";

        // The resourceVersion to start from: that of a (cheap) list.
        using (var body = new MemoryStream())
        {
            var listStatus = await ctx.Client.SendIntoAsync(HttpMethod.Get, $"{ctx.ConfigMapsPath}?limit=1", null, body, "watch: list", ct);
            if (!BenchContext.IsSuccess(listStatus))
            {
                ctx.Report.Note($"watch: the initial list failed with HTTP {listStatus}; skipped.");
                return;
            }
            var rv = ListResponse.Parse(body, collectNames: false).ResourceVersion;
            if (string.IsNullOrEmpty(rv))
            {
                ctx.Report.Note("watch: the list response had no metadata.resourceVersion; watching without one.");
            }
            var watchPath = $"{ctx.ConfigMapsPath}?watch=true&timeoutSeconds={(int)ctx.Options.Duration.TotalSeconds + 300}"
                + (string.IsNullOrEmpty(rv) ? "" : "&resourceVersion=" + Uri.EscapeDataString(rv));
            await RunWithPathAsync(ctx, http1, names, updates, rate, watcherCount, scenario, watchPath, ct);
        }
    }

    private static async Task RunWithPathAsync(BenchContext ctx, bool http1, string[] names, int updates, int rate, int watcherCount,
        string scenario, string watchPath, CancellationToken ct)
    {
        // Watches get their own connection pool so they do not share HTTP/2 connections with the writer.
        using var watchClient = new KubeHttpClient(ctx.WatchConfig ?? ctx.Config, http1, ctx.Errors);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watchers = Enumerable.Range(0, watcherCount).Select(_ => new Watcher(updates)).ToArray();
        long delivered = 0;
        var connected = 0;
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var watcherTasks = watchers.Select(w => Task.Run(async () =>
        {
            await WatchAsync(watchClient, watchPath, w, () =>
            {
                if (Interlocked.Increment(ref connected) == watcherCount)
                {
                    allConnected.TrySetResult();
                }
            }, ctx.Errors, () => Interlocked.Increment(ref delivered), stop.Token);
        })).ToArray();

        using (var progress = new Progress("watch: connect", watcherCount))
        {
            var connectDeadline = Task.Delay(TimeSpan.FromSeconds(20), ct);
            while (!allConnected.Task.IsCompleted && !connectDeadline.IsCompleted)
            {
                await Task.WhenAny(allConnected.Task, connectDeadline, Task.Delay(200, ct));
                progress.Add(Volatile.Read(ref connected) - progress.Count);
            }
        }
        ct.ThrowIfCancellationRequested();
        var connectedNow = Volatile.Read(ref connected);
        if (connectedNow < watcherCount)
        {
            ctx.Report.Note($"watch: only {connectedNow} of {watcherCount} watches had response headers after 20 s; the writer started anyway.");
        }

        // Writer: open loop at a fixed rate, round-robin over the first 100 objects, at most 32 requests in flight.
        var sent = new long[updates];
        var done = new long[updates];
        var ok = new bool[updates];
        const string putOp = "watch: update (PUT)";
        var putLatency = new LatencyRecorder(updates);
        var putLock = new Lock();
        using var inFlight = new SemaphoreSlim(MaxWritesInFlight);
        var writes = new List<Task>(updates);
        var writeStart = Stopwatch.GetTimestamp();
        using (var progress = new Progress("watch: updates", updates))
        {
            for (var i = 0; i < updates && !ct.IsCancellationRequested; i++)
            {
                var due = writeStart + (long)(i * (double)Stopwatch.Frequency / rate);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, ct);
                }
                await inFlight.WaitAsync(ct);
                var seq = i;
                writes.Add(Task.Run(async () =>
                {
                    try
                    {
                        var name = names[seq % names.Length];
                        var body = Payloads.ConfigMapUpdate(ctx.Options.Namespace, name, seq, DateTimeOffset.UtcNow);
                        var t0 = Stopwatch.GetTimestamp();
                        sent[seq] = t0;
                        var status = await ctx.Client.SendAsync(HttpMethod.Put, ctx.ConfigMapPath(name), body, putOp, ct);
                        var t1 = Stopwatch.GetTimestamp();
                        done[seq] = t1;
                        ok[seq] = BenchContext.IsSuccess(status);
                        lock (putLock)
                        {
                            putLatency.Record(t1 - t0);
                        }
                        progress.Add();
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                }, ct));
            }
            await Task.WhenAll(writes);
        }
        var writeSeconds = Stopwatch.GetElapsedTime(writeStart).TotalSeconds;
        var okWrites = ok.Count(x => x);

        // Give the watchers up to 10 s to catch up, then stop them.
        var expected = (long)okWrites * watcherCount;
        var grace = Stopwatch.StartNew();
        while (Interlocked.Read(ref delivered) < expected && grace.Elapsed < TimeSpan.FromSeconds(10) && watcherTasks.Any(t => !t.IsCompleted))
        {
            await Task.Delay(20, ct);
        }
        await stop.CancelAsync();
        await Task.WhenAll(watcherTasks);

        // Evaluate.
        var fromDone = new LatencyRecorder(Math.Max(16, okWrites * watcherCount));
        var fromSent = new LatencyRecorder(Math.Max(16, okWrites * watcherCount));
        long missing = 0, duplicates = 0, forFailedWrites = 0, foreign = 0, errorEvents = 0, watcherFailures = 0;
        foreach (var w in watchers)
        {
            foreign += w.Foreign;
            errorEvents += w.ErrorEvents;
            if (w.Failure is not null)
            {
                watcherFailures++;
            }
            for (var seq = 0; seq < updates; seq++)
            {
                var seen = w.Seen[seq];
                if (seen > 1)
                {
                    duplicates += seen - 1;
                }
                if (!ok[seq])
                {
                    forFailedWrites += seen;
                    continue;
                }
                if (seen == 0)
                {
                    missing++;
                    continue;
                }
                fromDone.Record(w.FirstSeen[seq] - done[seq]);
                fromSent.Record(w.FirstSeen[seq] - sent[seq]);
            }
        }
        var d = fromDone.Summarize();
        var s = fromSent.Summarize();
        var put = putLatency.Summarize();
        ctx.Report.Info(scenario, "updates sent / achieved rate", $"{okWrites} ok of {updates} / {Report.Num(updates / writeSeconds)}/s");
        ctx.Report.Info(scenario, "update (PUT) p50 / p99", $"{Report.Ms(put.P50Ms)} / {Report.Ms(put.P99Ms)}, errors {ctx.Errors.Summary(putOp)}");
        ctx.Report.Info(scenario, "events delivered (watcher × update)", $"{d.Count} of {expected}");
        ctx.Report.Info(scenario, "delivery after write completed p50", Report.Ms(d.P50Ms));
        ctx.Report.Check(scenario, "delivery after write completed p99", Report.Ms(d.P99Ms), "≤ 100 ms (100 watchers)", d.P99Ms <= 100, watcherCount >= 100);
        ctx.Report.Info(scenario, "delivery after write completed min / max", $"{Report.Ms(d.MinMs)} / {Report.Ms(d.MaxMs)}");
        ctx.Report.Info(scenario, "delivery after write sent p50 / p99 / max", $"{Report.Ms(s.P50Ms)} / {Report.Ms(s.P99Ms)} / {Report.Ms(s.MaxMs)}");
        ctx.Report.Check(scenario, "lost events / duplicates", $"{missing} / {duplicates}", "0 / 0", missing == 0 && duplicates == 0);
        ctx.Report.Info(scenario, "watch failures / ERROR events / other events", $"{watcherFailures} / {errorEvents} / {foreign}");
        if (forFailedWrites > 0)
        {
            ctx.Report.Note($"watch: {forFailedWrites} events were delivered for updates whose request failed.");
        }
        if (d.MinMs < 0)
        {
            Console.Error.WriteLine($"  (some events arrived before the writer saw its response: min {Report.Ms(d.MinMs)})");
        }
        Console.Error.WriteLine($"> watch: {d.Count}/{expected} delivered, {missing} missing, {duplicates} duplicates");
    }

    private static async Task WatchAsync(KubeHttpClient client, string path, Watcher w, Action onConnected, ErrorLog errors,
        Action onDelivered, CancellationToken ct)
    {
        const string op = "watch";
        try
        {
            using var response = await client.OpenStreamAsync(path, ct);
            if (!response.IsSuccessStatusCode)
            {
                w.Failure = $"HTTP {(int)response.StatusCode}";
                errors.Record(op, (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
                onConnected();
                return;
            }
            w.Connected = true;
            onConnected();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
            while (true)
            {
                var result = await reader.ReadAsync(ct);
                var now = Stopwatch.GetTimestamp();
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    HandleEvent(line, now, w, errors, onDelivered);
                }
                if (buffer.Length > 64 * 1024 * 1024)
                {
                    throw new InvalidDataException("watch: more than 64 MiB without a newline");
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    w.Failure = "stream closed by server";
                    errors.Record("watch: stream ended early", 0, "the server closed a watch before the benchmark stopped it");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or JsonException)
        {
            if (!ct.IsCancellationRequested)
            {
                w.Failure = ex.Message;
                errors.Record(op, 0, ex.GetBaseException().Message);
                if (!w.Connected)
                {
                    onConnected();
                }
            }
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var pos = buffer.PositionOf((byte)'\n');
        if (pos is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, pos.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, pos.Value));
        return true;
    }

    /// <summary>Parses {"type":...,"object":{...,"data":{"seq":"N",...}}} without materialising the object.</summary>
    private static void HandleEvent(ReadOnlySequence<byte> line, long now, Watcher w, ErrorLog errors, Action onDelivered)
    {
        if (IsBlank(line))
        {
            return;
        }
        var reader = new Utf8JsonReader(line);
        var isError = false;
        var isBookmark = false;
        var inData = false;
        var seq = -1;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            switch (reader.CurrentDepth)
            {
                case 1 when reader.ValueTextEquals("type"u8):
                    reader.Read();
                    isError = reader.ValueTextEquals("ERROR"u8);
                    isBookmark = reader.ValueTextEquals("BOOKMARK"u8);
                    break;
                case 2:
                    inData = reader.ValueTextEquals("data"u8);
                    break;
                case 3 when inData && reader.ValueTextEquals("seq"u8):
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        var span = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
                        if (!Utf8Parser.TryParse(span, out seq, out var consumed) || consumed != span.Length)
                        {
                            seq = -1;
                        }
                    }
                    break;
            }
        }
        if (isError)
        {
            w.ErrorEvents++;
            errors.Record("watch: ERROR event", 0, Encoding.UTF8.GetString(line));
            return;
        }
        if (isBookmark || seq < 0 || seq >= w.Seen.Length)
        {
            w.Foreign++;
            return;
        }
        if (w.Seen[seq]++ == 0)
        {
            w.FirstSeen[seq] = now;
            onDelivered();
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                {
                    return false;
                }
            }
        }
        return true;
    }
}

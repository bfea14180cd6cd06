using System.Diagnostics;

namespace Datum.Bench.Scenarios;

/// <summary>Brings the number of bench ConfigMaps to exactly --objects (creating or deleting with N clients).</summary>
public static class FillScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var target = ctx.Options.Objects;
        await TrimAsync(ctx, target, ct);
        var missing = target - ctx.NameCount;
        if (missing <= 0)
        {
            return;
        }
        const string op = "fill: create";
        var remaining = missing;
        var failures = 0;
        var created = new List<string>[ctx.Options.Concurrency];
        var sw = Stopwatch.StartNew();
        using (var progress = new Progress("fill", missing))
        {
            await Workers.RunAsync(ctx.Options.Concurrency, async w =>
            {
                var mine = created[w] = [];
                while (!ct.IsCancellationRequested && Interlocked.Decrement(ref remaining) >= 0)
                {
                    var name = ctx.NextName();
                    var status = await ctx.Client.SendAsync(HttpMethod.Post, ctx.ConfigMapsPath, Payloads.ConfigMap(ctx.Options.Namespace, name), op, ct);
                    if (BenchContext.IsSuccess(status))
                    {
                        mine.Add(name);
                        progress.Add();
                    }
                    else if (Interlocked.Increment(ref failures) < 1000)
                    {
                        Interlocked.Increment(ref remaining); // retry with another name
                    }
                }
            });
        }
        foreach (var c in created)
        {
            ctx.AddNames(c);
        }
        ctx.Report.Info("fill", "objects created / time", $"{missing} / {sw.Elapsed.TotalSeconds:F1} s ({Report.Num(missing / sw.Elapsed.TotalSeconds)}/s), errors {ctx.Errors.Summary(op)}");
        ct.ThrowIfCancellationRequested();
        if (ctx.NameCount < target)
        {
            throw new InvalidOperationException($"fill: only {ctx.NameCount} of {target} ConfigMaps could be created");
        }
    }

    /// <summary>Deletes the newest bench ConfigMaps beyond <paramref name="keep"/> (the create scenario usually overshoots).</summary>
    private static async Task TrimAsync(BenchContext ctx, int keep, CancellationToken ct)
    {
        var excess = ctx.TakeExcess(keep);
        if (excess.Length == 0)
        {
            return;
        }
        const string op = "trim: delete";
        var next = -1;
        var recorders = new LatencyRecorder[ctx.Options.Concurrency];
        var sw = Stopwatch.StartNew();
        using (var progress = new Progress("trim (delete)", excess.Length))
        {
            await Workers.RunAsync(ctx.Options.Concurrency, async w =>
            {
                var rec = recorders[w] = new LatencyRecorder(4096);
                int i;
                while (!ct.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < excess.Length)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await ctx.Client.SendAsync(HttpMethod.Delete, ctx.ConfigMapPath(excess[i]), null, op, ct);
                    rec.RecordSince(t0);
                    progress.Add();
                }
            });
        }
        var s = LatencyRecorder.Merge(recorders).Summarize();
        ctx.Report.Info($"delete ({ctx.Options.Concurrency} clients)", "deletes/s, p50 / p99",
            $"{Report.Num(excess.Length / sw.Elapsed.TotalSeconds)}/s, {Report.Ms(s.P50Ms)} / {Report.Ms(s.P99Ms)}, errors {ctx.Errors.Summary(op)}");
    }
}

using System.Diagnostics;

namespace Datum.Bench.Scenarios;

/// <summary>POST ConfigMaps as fast as possible with 1 and with N clients for --duration each.</summary>
public static class CreateScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        await RunPhaseAsync(ctx, 1, ct);
        await RunPhaseAsync(ctx, ctx.Options.Concurrency, ct);
    }

    private static async Task RunPhaseAsync(BenchContext ctx, int clients, CancellationToken ct)
    {
        var label = $"create x{clients}";
        var op = $"create (x{clients})";
        var recorders = new LatencyRecorder[clients];
        var created = new List<string>[clients];
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(ctx.Options.Duration.TotalSeconds * Stopwatch.Frequency);
        using (var progress = new Progress(label))
        {
            await Workers.RunAsync(clients, async w =>
            {
                var rec = recorders[w] = new LatencyRecorder(16384);
                var mine = created[w] = [];
                while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested)
                {
                    var name = ctx.NextName();
                    var body = Payloads.ConfigMap(ctx.Options.Namespace, name);
                    var t0 = Stopwatch.GetTimestamp();
                    var status = await ctx.Client.SendAsync(HttpMethod.Post, ctx.ConfigMapsPath, body, op, ct);
                    rec.RecordSince(t0);
                    if (BenchContext.IsSuccess(status))
                    {
                        mine.Add(name);
                    }
                    progress.Add();
                }
            });
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        foreach (var c in created)
        {
            ctx.AddNames(c);
        }
        var ok = created.Sum(c => c.Count);
        var s = LatencyRecorder.Merge(recorders).Summarize();
        var rate = ok / seconds;
        var scenario = $"create ({clients} client{(clients == 1 ? "" : "s")})";
        var isTarget = clients == 8;
        if (isTarget)
        {
            ctx.Report.Check(scenario, "creates/s", Report.Num(rate), "≥ 1500", rate >= 1500);
        }
        else
        {
            ctx.Report.Info(scenario, "creates/s", Report.Num(rate));
        }
        ctx.Report.Info(scenario, "latency p50 / p90", $"{Report.Ms(s.P50Ms)} / {Report.Ms(s.P90Ms)}");
        if (isTarget)
        {
            ctx.Report.Check(scenario, "latency p99", Report.Ms(s.P99Ms), "≤ 50 ms", s.P99Ms <= 50);
        }
        else
        {
            ctx.Report.Info(scenario, "latency p99", Report.Ms(s.P99Ms));
        }
        ctx.Report.Info(scenario, "latency max", Report.Ms(s.MaxMs));
        ctx.Report.Info(scenario, "requests / errors", $"{s.Count} / {ctx.Errors.Summary(op)}");
    }
}

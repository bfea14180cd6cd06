using System.Diagnostics;

namespace Datum.Bench.Scenarios;

/// <summary>Random GETs of existing bench ConfigMaps with N clients.</summary>
public static class GetScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        const string op = "get";
        var names = ctx.SnapshotNames();
        if (names.Length == 0)
        {
            ctx.Report.Note("get: skipped, no objects");
            return;
        }
        var total = ctx.Options.Gets;
        var next = -1;
        var clients = ctx.Options.Concurrency;
        var recorders = new LatencyRecorder[clients];
        var sw = Stopwatch.StartNew();
        using (var progress = new Progress("get", total))
        {
            await Workers.RunAsync(clients, async w =>
            {
                var rec = recorders[w] = new LatencyRecorder(total / clients + 16);
                while (!ct.IsCancellationRequested && Interlocked.Increment(ref next) < total)
                {
                    var name = names[Random.Shared.Next(names.Length)];
                    var t0 = Stopwatch.GetTimestamp();
                    await ctx.Client.SendAsync(HttpMethod.Get, ctx.ConfigMapPath(name), null, op, ct);
                    rec.RecordSince(t0);
                    progress.Add();
                }
            });
        }
        var s = LatencyRecorder.Merge(recorders).Summarize();
        var scenario = $"get ({clients} clients)";
        ctx.Report.Info(scenario, "gets/s", Report.Num(s.Count / sw.Elapsed.TotalSeconds));
        ctx.Report.Info(scenario, "latency p50 / p90", $"{Report.Ms(s.P50Ms)} / {Report.Ms(s.P90Ms)}");
        ctx.Report.Check(scenario, "latency p99", Report.Ms(s.P99Ms), "≤ 10 ms", s.P99Ms <= 10);
        ctx.Report.Info(scenario, "latency max", Report.Ms(s.MaxMs));
        ctx.Report.Info(scenario, "requests / errors", $"{s.Count} / {ctx.Errors.Summary(op)}");
    }
}

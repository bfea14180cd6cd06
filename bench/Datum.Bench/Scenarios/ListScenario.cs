using System.Diagnostics;

namespace Datum.Bench.Scenarios;

/// <summary>Full LIST of the namespace's ConfigMaps (no limit) and a paginated walk with limit=500.</summary>
public static class ListScenario
{
    private const int FullRepetitions = 10;
    private const int PagedRepetitions = 5;
    private const int PageSize = 500;

    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var expected = ctx.NameCount;
        using var body = new MemoryStream(16 * 1024 * 1024);

        // Full list: time until the last byte of the body has been read.
        const string fullOp = "list (full)";
        var full = new LatencyRecorder(FullRepetitions);
        long bytes = 0;
        var items = -1;
        using (var progress = new Progress("list (full)", FullRepetitions))
        {
            for (var i = 0; i < FullRepetitions && !ct.IsCancellationRequested; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var status = await ctx.Client.SendIntoAsync(HttpMethod.Get, ctx.ConfigMapsPath, null, body, fullOp, ct);
                full.RecordSince(t0);
                progress.Add();
                if (BenchContext.IsSuccess(status) && items < 0)
                {
                    bytes = body.Length;
                    items = ListResponse.Parse(body, collectNames: false).Items;
                }
            }
        }
        var s = full.Summarize();
        var scenario = $"list ({expected} objects)";
        var applicable = expected >= 10_000;
        ctx.Report.Info(scenario, "items returned / response size", $"{items} / {bytes / 1048576.0:F1} MiB");
        if (items >= 0 && items < expected)
        {
            ctx.Report.Note($"list (full): returned {items} items but {expected} bench ConfigMaps exist.");
        }
        ctx.Report.Info(scenario, "full list p50", Report.Ms(s.P50Ms));
        ctx.Report.Check(scenario, $"full list p99 ({FullRepetitions} runs)", Report.Ms(s.P99Ms), "≤ 300 ms (10k objects)", s.P99Ms <= 300, applicable);
        ctx.Report.Info(scenario, "full list errors", ctx.Errors.Summary(fullOp));

        // Paginated walk: limit=500, following metadata.continue until it is empty.
        const string pagedOp = "list (limit=500)";
        var paged = new LatencyRecorder(PagedRepetitions);
        var pages = 0;
        var pagedItems = 0;
        using (var progress = new Progress("list (limit=500)", PagedRepetitions))
        {
            for (var i = 0; i < PagedRepetitions && !ct.IsCancellationRequested; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var (p, n, ok) = await WalkPagesAsync(ctx, body, pagedOp, expected, ct);
                paged.RecordSince(t0);
                progress.Add();
                if (!ok)
                {
                    break;
                }
                pages = p;
                pagedItems = n;
            }
        }
        var ps = paged.Summarize();
        ctx.Report.Info(scenario, $"paginated walk (limit={PageSize}) p50 / max", $"{Report.Ms(ps.P50Ms)} / {Report.Ms(ps.MaxMs)}");
        ctx.Report.Info(scenario, "paginated pages / items / errors", $"{pages} / {pagedItems} / {ctx.Errors.Summary(pagedOp)}");
        if (pagedItems != items && items >= 0)
        {
            ctx.Report.Note($"list (limit={PageSize}): walking all pages returned {pagedItems} items, the full list {items}.");
        }
    }

    private static async Task<(int Pages, int Items, bool Ok)> WalkPagesAsync(BenchContext ctx, MemoryStream body, string op, int expected, CancellationToken ct)
    {
        string? cont = null;
        var pages = 0;
        var items = 0;
        // Guard against a server that never ends the continue chain.
        var maxPages = expected / PageSize + 100;
        do
        {
            var path = $"{ctx.ConfigMapsPath}?limit={PageSize}" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont));
            var status = await ctx.Client.SendIntoAsync(HttpMethod.Get, path, null, body, op, ct);
            if (!BenchContext.IsSuccess(status))
            {
                return (pages, items, false);
            }
            var page = ListResponse.Parse(body, collectNames: false);
            pages++;
            items += page.Items;
            if (page.Items > PageSize)
            {
                ctx.Report.Note($"list (limit={PageSize}): a page had {page.Items} items (limit ignored?).");
            }
            cont = page.Continue;
        }
        while (cont is not null && pages < maxPages && !ct.IsCancellationRequested);
        if (cont is not null)
        {
            ctx.Report.Note($"list (limit={PageSize}): still a continue token after {pages} pages; stopped.");
        }
        return (pages, items, true);
    }
}

using System.Diagnostics;

namespace Datum.Bench.Scenarios;

/// <summary>Creates the namespace if needed and removes bench ConfigMaps left over from earlier runs.</summary>
public static class SetupScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var ns = ctx.Options.Namespace;
        var status = await ctx.Client.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}", null, "setup: get namespace", ct, quietStatus: 404);
        if (status == 404)
        {
            status = await ctx.Client.SendAsync(HttpMethod.Post, "/api/v1/namespaces", Payloads.Namespace(ns), "setup: create namespace", ct, quietStatus: 409);
            if (!BenchContext.IsSuccess(status) && status != 409)
            {
                throw new InvalidOperationException($"cannot create namespace {ns}: HTTP {status}");
            }
            Console.Error.WriteLine($"> namespace {ns} created (HTTP {status})");
        }
        else if (!BenchContext.IsSuccess(status))
        {
            throw new InvalidOperationException($"cannot read namespace {ns}: HTTP {status} (see errors above)");
        }
        await DeleteBenchObjectsAsync(ctx, "setup", ct);
    }

    /// <summary>Deletes every ConfigMap labelled datum-bench=1 in the namespace and checks none is left.</summary>
    public static async Task DeleteBenchObjectsAsync(BenchContext ctx, string phase, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var status = await ctx.Client.SendAsync(HttpMethod.Delete, $"{ctx.ConfigMapsPath}?labelSelector={Payloads.LabelSelector}", null,
            $"{phase}: deletecollection", ct, quietStatus: 405);
        if (status is 404 or 405)
        {
            ctx.Report.Note($"{phase}: deletecollection of configmaps answered HTTP {status}; deleted one by one instead.");
        }
        var deleted = await DeleteOneByOneAsync(ctx, phase, ct);
        if (BenchContext.IsSuccess(status) && deleted > 0)
        {
            ctx.Report.Note($"{phase}: deletecollection with labelSelector answered HTTP {status} but {deleted} labelled ConfigMaps were still listed afterwards (deleted one by one).");
        }
        ctx.ClearNames();
        Console.Error.WriteLine($"> {phase}: bench ConfigMaps removed in {sw.Elapsed.TotalSeconds:F1}s (deletecollection HTTP {status}, {deleted} deleted one by one)");
    }

    private static async Task<int> DeleteOneByOneAsync(BenchContext ctx, string phase, CancellationToken ct)
    {
        using var body = new MemoryStream();
        var status = await ctx.Client.SendIntoAsync(HttpMethod.Get, $"{ctx.ConfigMapsPath}?labelSelector={Payloads.LabelSelector}", null, body, $"{phase}: list", ct);
        if (!BenchContext.IsSuccess(status))
        {
            throw new InvalidOperationException($"cannot list configmaps: HTTP {status}");
        }
        var list = ListResponse.Parse(body, collectNames: true);
        // Never trust the server's label filtering when deleting: check the label client-side.
        var foreign = list.Names.Count(n => !n.BenchLabel);
        if (foreign > 0)
        {
            ctx.Report.Note($"{phase}: list with labelSelector=datum-bench=1 returned {foreign} ConfigMaps without that label (labelSelector ignored?).");
        }
        var names = new Queue<string>(list.Names.Where(n => n.BenchLabel).Select(n => n.Name));
        var total = names.Count;
        if (total == 0)
        {
            return 0;
        }
        using var progress = new Progress($"{phase}: delete", total);
        await Workers.RunAsync(ctx.Options.Concurrency, async _ =>
        {
            while (true)
            {
                string? name;
                lock (names)
                {
                    if (!names.TryDequeue(out name))
                    {
                        return;
                    }
                }
                await ctx.Client.SendAsync(HttpMethod.Delete, ctx.ConfigMapPath(name), null, $"{phase}: delete", ct, quietStatus: 404);
                progress.Add();
            }
        });
        return total;
    }
}

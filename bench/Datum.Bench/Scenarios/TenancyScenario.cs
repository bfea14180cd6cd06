using System.Diagnostics;
using System.Globalization;

namespace Datum.Bench.Scenarios;

public sealed record TenancyOptions(int Organizations, int ProjectsPerOrganization, int Requests, string? DataDirectory);

/// <summary>
/// Datum tenancy (<c>--scenario tenancy</c>, against the platform context of a <c>datum up</c>): creates Standard
/// organizations and projects in each, measuring create→Ready per project (POST sent → the project watch, opened
/// before the creates, shows <c>Ready=True</c>); then what an empty project costs (SQLite growth and server RSS,
/// divided by the project count, with the rows written per plane and resource); then the same requests in a project
/// context and in the platform context, interleaved; finally (unless --keep-objects) deletes the projects and
/// organizations, timing delete→gone.
/// </summary>
public static class TenancyScenario
{
    private const string Group = "/apis/resourcemanager.miloapis.com/v1alpha1";
    private const string Organizations = Group + "/organizations";
    private const string Projects = Group + "/projects";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    public static string ProjectPrefix(string project) => $"{Projects}/{project}/control-plane";

    public static async Task RunAsync(BenchContext ctx, TenancyOptions options, CancellationToken ct)
    {
        if (ctx.Config.Server.Contains("/control-plane", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the tenancy scenario needs the platform context, but the server URL is {ctx.Config.Server} (use --context platform)");
        }
        var usage = options.DataDirectory is { } dir ? new DataDirectoryUsage(dir) : null;
        if (usage is { Exists: false })
        {
            throw new InvalidOperationException($"no datum.db in --data-dir {options.DataDirectory}");
        }
        var scenario = $"tenancy ({options.Organizations} orgs × {options.ProjectsPerOrganization} projects)";
        var orgNames = Enumerable.Range(0, options.Organizations).Select(i => $"tb-{ctx.RunId}-o{i:D3}").ToArray();
        var projects = orgNames.SelectMany(o => Enumerable.Range(0, options.ProjectsPerOrganization).Select(p => (Org: o, Name: $"{o}-p{p}"))).ToArray();

        await using var orgWatch = await ConditionWatch.StartAsync(ctx.Client, Organizations, "tenancy: watch organizations", ctx.Errors, ct);
        await using var projectWatch = await ConditionWatch.StartAsync(ctx.Client, Projects, "tenancy: watch projects", ctx.Errors, ct);

        var orgs = await CreateAndAwaitReadyAsync(ctx, "organizations", orgNames.Select(o => (Path: Organizations, Body: Payloads.Organization(o), Name: o)).ToArray(), orgWatch, ct);
        ctx.Report.Info(scenario, "organizations create→Ready p50 / p99 / max", $"{Report.Ms(orgs.Latency.P50Ms)} / {Report.Ms(orgs.Latency.P99Ms)} / {Report.Ms(orgs.Latency.MaxMs)}, {orgs.Ready} of {orgNames.Length} Ready");
        if (orgs.Ready < orgNames.Length)
        {
            throw new InvalidOperationException($"only {orgs.Ready} of {orgNames.Length} organizations became Ready within {ReadyTimeout.TotalSeconds:F0} s");
        }

        var before = await SettleAsync(ctx, usage, "before projects", ct);
        var created = await CreateAndAwaitReadyAsync(ctx, "projects", projects.Select(p => (Path: Projects, Body: Payloads.Project(p.Name, p.Org), Name: p.Name)).ToArray(), projectWatch, ct);
        var l = created.Latency;
        ctx.Report.Info(scenario, "projects created / Ready / elapsed", $"{created.Created} / {created.Ready} of {projects.Length} / {created.Seconds:F1} s ({Report.Num(created.Ready / created.Seconds)}/s, {ctx.Options.Concurrency} clients, each waits for Ready)");
        ctx.Report.Info(scenario, "project create→Ready p50", Report.Ms(l.P50Ms));
        ctx.Report.Check(scenario, "project create→Ready p99", Report.Ms(l.P99Ms), "≤ 50 ms", l.P99Ms <= 50, l.Count >= 1000);
        ctx.Report.Info(scenario, "project create→Ready max / POST p50 / POST p99", $"{Report.Ms(l.MaxMs)} / {Report.Ms(created.Post.P50Ms)} / {Report.Ms(created.Post.P99Ms)}");
        ctx.Report.Info(scenario, "project create→Ready p50 / p99, first tenth → last tenth created",
            $"{Report.Ms(created.First.P50Ms)} / {Report.Ms(created.First.P99Ms)} → {Report.Ms(created.Last.P50Ms)} / {Report.Ms(created.Last.P99Ms)}");

        var after = await SettleAsync(ctx, usage, "after projects", ct);
        ReportFootprint(ctx, scenario, before, after, created.Ready);
        if (usage is not null && before.Storage is { } s0)
        {
            var prefix = $"project:tb-{ctx.RunId}-";
            var groups = await usage.RowsSinceAsync(s0.Revision, cluster => !cluster.StartsWith("project:", StringComparison.Ordinal) || cluster.StartsWith(prefix, StringComparison.Ordinal), ct);
            foreach (var g in groups)
            {
                var perProject = created.Ready == 0 ? 0 : (double)g.Rows / created.Ready;
                ctx.Report.Info(scenario, $"rows written: {g.Plane} {g.Resource}",
                    $"{g.Rows} rows ({perProject:F2}/project), {Kib(g.RowBytes)}; live {g.LiveKeys} objects, {Kib(g.LiveBytes)}");
            }
        }

        if (created.Ready > 0 && !ct.IsCancellationRequested)
        {
            await CompareContextsAsync(ctx, scenario, projects.First(p => projectWatch.ReadyAsync(p.Name).IsCompletedSuccessfully).Name, options.Requests, ct);
        }

        if (!ctx.Options.KeepObjects)
        {
            var deletedProjects = await DeleteAndAwaitGoneAsync(ctx, "projects", projects.Select(p => (Projects + "/" + p.Name, p.Name)).ToArray(), projectWatch, ct);
            ctx.Report.Info(scenario, "project delete→gone p50 / p99 / max", $"{Report.Ms(deletedProjects.Latency.P50Ms)} / {Report.Ms(deletedProjects.Latency.P99Ms)} / {Report.Ms(deletedProjects.Latency.MaxMs)}");
            ctx.Report.Info(scenario, "projects deleted / gone / elapsed", $"{deletedProjects.Deleted} / {deletedProjects.Gone} / {deletedProjects.Seconds:F1} s");
            var deletedOrgs = await DeleteAndAwaitGoneAsync(ctx, "organizations", orgNames.Select(o => (Organizations + "/" + o, o)).ToArray(), orgWatch, ct);
            ctx.Report.Info(scenario, "organization delete→gone p50 / p99", $"{Report.Ms(deletedOrgs.Latency.P50Ms)} / {Report.Ms(deletedOrgs.Latency.P99Ms)}, {deletedOrgs.Gone} of {orgNames.Length} gone in {deletedOrgs.Seconds:F1} s");
            var cleaned = await SettleAsync(ctx, usage, "after cleanup", ct);
            if (cleaned.RssMiB is { } rss)
            {
                ctx.Report.Info(scenario, "server RSS after cleanup", $"{rss:F1} MiB");
            }
        }
        if (projectWatch.Failure is { } f1)
        {
            ctx.Report.Note($"tenancy: the project watch failed: {f1}");
        }
        if (orgWatch.Failure is { } f2)
        {
            ctx.Report.Note($"tenancy: the organization watch failed: {f2}");
        }
    }

    /// <param name="First">create→Ready of the first tenth of the objects (in create order).</param>
    /// <param name="Last">create→Ready of the last tenth: against <paramref name="First"/>, shows whether a project costs more when many exist.</param>
    private sealed record CreateResult(LatencySummary Latency, LatencySummary Post, LatencySummary First, LatencySummary Last, int Created, int Ready, double Seconds);

    /// <summary>
    /// Creates every object with --concurrency clients; each client waits for its object to be Ready before the next,
    /// so create→Ready is measured for a steady number of projects in flight rather than for a queue.
    /// </summary>
    private static async Task<CreateResult> CreateAndAwaitReadyAsync(BenchContext ctx, string what, (string Path, byte[] Body, string Name)[] items,
        ConditionWatch watch, CancellationToken ct)
    {
        var clients = Math.Min(ctx.Options.Concurrency, items.Length);
        var ready = new LatencyRecorder[clients];
        var post = new LatencyRecorder[clients];
        var byIndex = new long[items.Length];
        int next = -1, created = 0, readyCount = 0;
        var op = $"tenancy: create {what}";
        var start = Stopwatch.GetTimestamp();
        using (var progress = new Progress($"create {what}", items.Length))
        {
            await Workers.RunAsync(clients, async w =>
            {
                var r = ready[w] = new LatencyRecorder(items.Length);
                var p = post[w] = new LatencyRecorder(items.Length);
                int i;
                while ((i = Interlocked.Increment(ref next)) < items.Length && !ct.IsCancellationRequested)
                {
                    var (path, body, name) = items[i];
                    var t0 = Stopwatch.GetTimestamp();
                    var status = await ctx.Client.SendAsync(HttpMethod.Post, path, body, op, ct);
                    p.RecordSince(t0);
                    progress.Add();
                    if (!BenchContext.IsSuccess(status))
                    {
                        continue;
                    }
                    Interlocked.Increment(ref created);
                    var readyTask = watch.ReadyAsync(name);
                    if (await Task.WhenAny(readyTask, Task.Delay(ReadyTimeout, ct)) == readyTask)
                    {
                        byIndex[i] = await readyTask - t0;
                        r.Record(byIndex[i]);
                        Interlocked.Increment(ref readyCount);
                    }
                    else
                    {
                        ctx.Errors.Record($"tenancy: {what} not Ready", 0, $"{name} not Ready {ReadyTimeout.TotalSeconds:F0} s after its create");
                    }
                }
            });
        }
        var tenth = Math.Max(1, items.Length / 10);
        return new CreateResult(LatencyRecorder.Merge(ready).Summarize(), LatencyRecorder.Merge(post).Summarize(),
            Summarize(byIndex.Take(tenth)), Summarize(byIndex.Skip(items.Length - tenth)), created, readyCount, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static LatencySummary Summarize(IEnumerable<long> ticks)
    {
        var recorder = new LatencyRecorder();
        foreach (var t in ticks.Where(t => t > 0))
        {
            recorder.Record(t);
        }
        return recorder.Summarize();
    }

    private sealed record DeleteResult(LatencySummary Latency, int Deleted, int Gone, double Seconds);

    private static async Task<DeleteResult> DeleteAndAwaitGoneAsync(BenchContext ctx, string what, (string Path, string Name)[] items, ConditionWatch watch, CancellationToken ct)
    {
        var clients = Math.Min(ctx.Options.Concurrency, items.Length);
        var gone = new LatencyRecorder[clients];
        int next = -1, deleted = 0, goneCount = 0;
        var op = $"tenancy: delete {what}";
        var start = Stopwatch.GetTimestamp();
        using (var progress = new Progress($"delete {what}", items.Length))
        {
            await Workers.RunAsync(clients, async w =>
            {
                var g = gone[w] = new LatencyRecorder(items.Length);
                int i;
                while ((i = Interlocked.Increment(ref next)) < items.Length && !ct.IsCancellationRequested)
                {
                    var (path, name) = items[i];
                    var t0 = Stopwatch.GetTimestamp();
                    var status = await ctx.Client.SendAsync(HttpMethod.Delete, path, null, op, ct, quietStatus: 404);
                    progress.Add();
                    if (!BenchContext.IsSuccess(status))
                    {
                        continue;
                    }
                    Interlocked.Increment(ref deleted);
                    var goneTask = watch.DeletedAsync(name);
                    if (await Task.WhenAny(goneTask, Task.Delay(ReadyTimeout, ct)) == goneTask)
                    {
                        g.Record(Math.Max(0, await goneTask - t0));
                        Interlocked.Increment(ref goneCount);
                    }
                    else
                    {
                        ctx.Errors.Record($"tenancy: {what} not gone", 0, $"{name} still there {ReadyTimeout.TotalSeconds:F0} s after its delete");
                    }
                }
            });
        }
        return new DeleteResult(LatencyRecorder.Merge(gone).Summarize(), deleted, goneCount, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private sealed record Footprint(DataDirectoryUsage.Snapshot? Storage, double? RssMiB, TimeSpan? Cpu);

    /// <summary>
    /// Waits until the store's revision has not moved for 3 s (controllers done: service accounts, conditions), at most
    /// 60 s, then reads the storage and the server's RSS.
    /// </summary>
    private static async Task<Footprint> SettleAsync(BenchContext ctx, DataDirectoryUsage? usage, string when, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        DataDirectoryUsage.Snapshot? storage = null;
        if (usage is not null)
        {
            storage = await usage.MeasureAsync(ct);
            var quietSince = Stopwatch.StartNew();
            while (quietSince.Elapsed < TimeSpan.FromSeconds(3) && sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(500, ct);
                var now = await usage.MeasureAsync(ct);
                if (now.Revision != storage.Revision)
                {
                    quietSince.Restart();
                }
                storage = now;
            }
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
        }
        var rss = ctx.Options.ServerPid is { } pid ? RssScenario.ReadRssMiB(pid) : null;
        var cpu = ctx.Options.ServerPid is { } pid2 ? RssScenario.ReadCpuTime(pid2) : null;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"> {when}: settled in {sw.Elapsed.TotalSeconds:F1}s, revision {storage?.Revision}, SQLite used {Kib(storage?.UsedBytes ?? 0)} (files {Kib((storage?.DatabaseFileBytes ?? 0) + (storage?.WalFileBytes ?? 0))}), RSS {rss:F1} MiB"));
        return new Footprint(storage, rss, cpu);
    }

    private static void ReportFootprint(BenchContext ctx, string scenario, Footprint before, Footprint after, int projects)
    {
        if (projects == 0)
        {
            return;
        }
        if (before.Storage is { } s0 && after.Storage is { } s1)
        {
            var perProject = (s1.UsedBytes - s0.UsedBytes) / 1024.0 / projects;
            ctx.Report.Check(scenario, "storage per empty project (SQLite pages in use, growth ÷ projects)", $"{perProject:F1} KiB", "≤ 100 KiB", perProject <= 100);
            ctx.Report.Info(scenario, "SQLite in use before / after; files (db + wal) after",
                $"{Kib(s0.UsedBytes)} / {Kib(s1.UsedBytes)}; {Kib(s1.DatabaseFileBytes)} + {Kib(s1.WalFileBytes)}");
            ctx.Report.Info(scenario, "revisions written per project", Report.Num((s1.Revision - s0.Revision) / (double)projects, "F1"));
        }
        else
        {
            ctx.Report.Note("tenancy: no --data-dir, so storage per project was not measured.");
        }
        if (before.RssMiB is { } r0 && after.RssMiB is { } r1)
        {
            var perProject = (r1 - r0) * 1024 / projects;
            ctx.Report.Check(scenario, "server RSS per empty project (growth ÷ projects)", $"{perProject:F1} KiB", "≤ 100 KiB", perProject <= 100);
            ctx.Report.Info(scenario, "server RSS before / after projects", $"{r0:F1} / {r1:F1} MiB");
        }
        if (before.Cpu is { } c0 && after.Cpu is { } c1)
        {
            ctx.Report.Info(scenario, "server CPU time (user + system) per project, creates until settled", Report.Ms((c1 - c0).TotalMilliseconds / projects));
        }
        else
        {
            ctx.Report.Note("tenancy: no --server-pid, so RSS per project was not measured.");
        }
    }

    /// <summary>
    /// The same requests in the platform and in one project's control plane, alternating (which context goes first
    /// alternates too), so load from anything else on the host falls on both alike: creates of ConfigMaps, GETs of
    /// them and LISTs (limit=100) of their namespace, which each context holds the same objects in.
    /// </summary>
    private static async Task CompareContextsAsync(BenchContext ctx, string scenario, string project, int requests, CancellationToken ct)
    {
        var name0 = $"tb-{ctx.RunId}-ctx";
        // "platform again" is a second, identical namespace of the platform: the difference it shows against the
        // first is what this host's noise alone produces, the yardstick for the project's difference.
        (string Label, string Prefix, string Ns)[] contexts = [("platform", "", name0), ("project", ProjectPrefix(project), name0), ("platform again", "", name0 + "2")];
        foreach (var (label, prefix, ns) in contexts)
        {
            var status = await ctx.Client.SendAsync(HttpMethod.Post, prefix + "/api/v1/namespaces", Payloads.Namespace(ns), $"tenancy: create namespace ({label})", ct, quietStatus: 409);
            if (!BenchContext.IsSuccess(status) && status != 409)
            {
                throw new InvalidOperationException($"cannot create namespace {ns} in the {label} context: HTTP {status}");
            }
        }
        var lists = Math.Max(10, requests / 10);
        var rec = contexts.ToDictionary(c => c.Label, _ => (Create: new LatencyRecorder(requests), Get: new LatencyRecorder(requests), List: new LatencyRecorder(lists)));
        var names = new List<string>(requests);

        async Task TimeAsync(HttpMethod method, string path, byte[]? body, string op, LatencyRecorder recorder)
        {
            var t0 = Stopwatch.GetTimestamp();
            var status = await ctx.Client.SendAsync(method, path, body, op, ct);
            if (BenchContext.IsSuccess(status))
            {
                recorder.RecordSince(t0);
            }
        }

        // Rotates which context goes first, so each is first, second and third equally often.
        async Task EachAsync(int i, Func<string, string, string, Task> action)
        {
            for (var k = 0; k < contexts.Length; k++)
            {
                var (label, prefix, ns) = contexts[(i + k) % contexts.Length];
                await action(label, prefix, ns);
            }
        }

        using (var progress = new Progress("context: creates", requests))
        {
            for (var i = 0; i < requests && !ct.IsCancellationRequested; i++)
            {
                var name = $"cm-{i:D6}";
                names.Add(name);
                await EachAsync(i, (label, prefix, ns) => TimeAsync(HttpMethod.Post, $"{prefix}/api/v1/namespaces/{ns}/configmaps", Payloads.ConfigMap(ns, name), $"tenancy: create ({label})", rec[label].Create));
                progress.Add();
            }
        }
        using (var progress = new Progress("context: gets", requests))
        {
            for (var i = 0; i < requests && !ct.IsCancellationRequested; i++)
            {
                var name = names[Random.Shared.Next(names.Count)];
                await EachAsync(i, (label, prefix, ns) => TimeAsync(HttpMethod.Get, $"{prefix}/api/v1/namespaces/{ns}/configmaps/{name}", null, $"tenancy: get ({label})", rec[label].Get));
                progress.Add();
            }
        }
        using (var progress = new Progress("context: lists", lists))
        {
            for (var i = 0; i < lists && !ct.IsCancellationRequested; i++)
            {
                await EachAsync(i, (label, prefix, ns) => TimeAsync(HttpMethod.Get, $"{prefix}/api/v1/namespaces/{ns}/configmaps?limit=100", null, $"tenancy: list ({label})", rec[label].List));
                progress.Add();
            }
        }

        foreach (var (op, pick) in new (string, Func<(LatencyRecorder Create, LatencyRecorder Get, LatencyRecorder List), LatencyRecorder>)[]
            { ("create ConfigMap", r => r.Create), ("GET ConfigMap", r => r.Get), ("LIST limit=100", r => r.List) })
        {
            var platform = pick(rec["platform"]).Summarize();
            var inProject = pick(rec["project"]).Summarize();
            var again = pick(rec["platform again"]).Summarize();
            var dp50 = inProject.P50Ms - platform.P50Ms;
            var dp99 = inProject.P99Ms - platform.P99Ms;
            // "No measurable difference": the medians within 10 % (or 0.05 ms, below which the host's noise dominates).
            var pass = Math.Abs(dp50) <= Math.Max(0.05, 0.10 * platform.P50Ms);
            ctx.Report.Check($"{scenario}: context", $"{op}: platform p50 / p99 → project p50 / p99 (Δp50, Δp99)",
                $"{Report.Ms(platform.P50Ms)} / {Report.Ms(platform.P99Ms)} → {Report.Ms(inProject.P50Ms)} / {Report.Ms(inProject.P99Ms)} ({Signed(dp50)}, {Signed(dp99)})",
                "Δp50 ≤ max(10 %, 0.05 ms)", pass);
            ctx.Report.Info($"{scenario}: context", $"{op}: platform again (noise yardstick) p50 / p99 (Δp50, Δp99)",
                $"{Report.Ms(again.P50Ms)} / {Report.Ms(again.P99Ms)} ({Signed(again.P50Ms - platform.P50Ms)}, {Signed(again.P99Ms - platform.P99Ms)})");
        }
        ctx.Report.Note($"tenancy: context comparison in project {project}, namespace {name0} (and {name0}2 in the platform): {requests} creates and GETs and {lists} LISTs per context, one client, taking turns.");

        if (!ctx.Options.KeepObjects)
        {
            foreach (var (label, prefix, ns) in contexts)
            {
                await ctx.Client.SendAsync(HttpMethod.Delete, $"{prefix}/api/v1/namespaces/{ns}", null, $"tenancy: delete namespace ({label})", ct, quietStatus: 404);
            }
        }
    }

    private static string Signed(double ms) => (ms >= 0 ? "+" : "−") + Report.Ms(Math.Abs(ms));

    private static string Kib(long bytes) => (bytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " KiB";
}

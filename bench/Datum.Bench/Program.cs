using System.CommandLine;
using System.Globalization;
using Datum.Bench;
using Datum.Bench.Scenarios;

var kubeconfigOption = new Option<string?>("--kubeconfig") { Description = "Path to the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)" };
var watchKubeconfigOption = new Option<string?>("--watch-kubeconfig") { Description = "Kubeconfig of the server the watch scenario watches (another replica; default: --kubeconfig)" };
var contextOption = new Option<string?>("--context") { Description = "kubeconfig context to use (default: current-context)" };
var namespaceOption = new Option<string>("--namespace") { Description = "Namespace for the bench ConfigMaps (created if missing)", DefaultValueFactory = _ => "bench" };
var objectsOption = new Option<int>("--objects") { Description = "Number of ConfigMaps for the get/list/watch scenarios", DefaultValueFactory = _ => 10_000 };
var durationOption = new Option<string>("--duration") { Description = "Duration of each create phase and of the watch writer (e.g. 10s, 500ms, 2m)", DefaultValueFactory = _ => "10s" };
var watchersOption = new Option<int>("--watchers") { Description = "Concurrent watches in the watch scenario", DefaultValueFactory = _ => 100 };
var watchRateOption = new Option<int>("--watch-rate") { Description = "Updates per second written during the watch scenario", DefaultValueFactory = _ => 200 };
var getsOption = new Option<int>("--gets") { Description = "Number of random GETs", DefaultValueFactory = _ => 2000 };
var concurrencyOption = new Option<int>("--concurrency") { Description = "Concurrent clients for create/fill/get", DefaultValueFactory = _ => 8 };
var serverPidOption = new Option<int?>("--server-pid") { Description = "PID of the API server process (same host) to report its RSS" };
var outputOption = new Option<string?>("--output") { Description = "Also write the markdown report to this file" };
var scenarioOption = new Option<string>("--scenario") { Description = "Which scenario to run (setup always runs; get/list/watch fill to --objects first)", DefaultValueFactory = _ => "all" };
scenarioOption.AcceptOnlyFromAmong("all", "create", "get", "list", "watch", "tenancy");
var dataDirOption = new Option<string?>("--data-dir") { Description = "tenancy: the server's data directory (same host), to measure SQLite growth per project" };
var organizationsOption = new Option<int>("--organizations") { Description = "tenancy: Standard organizations to create", DefaultValueFactory = _ => 100 };
var projectsPerOrgOption = new Option<int>("--projects-per-organization") { Description = "tenancy: projects per organization (a Standard organization holds at most 10)", DefaultValueFactory = _ => 10 };
var requestsOption = new Option<int>("--requests") { Description = "tenancy: creates and GETs per context in the project-vs-platform comparison", DefaultValueFactory = _ => 1000 };
var http1Option = new Option<bool>("--http1") { Description = "Use HTTP/1.1 only (default: HTTP/2 when the server offers it)" };
var keepOption = new Option<bool>("--keep-objects") { Description = "Do not delete the bench ConfigMaps at the end" };
var selfTestOption = new Option<bool>("--self-test") { Description = "Check the percentile code and kubeconfig parsing, then exit", Hidden = true };

var root = new RootCommand("datum-bench: load generator for Kubernetes-compatible API servers (ConfigMaps, JSON, standard REST API; --scenario tenancy: Datum organizations and projects)")
{
    kubeconfigOption, watchKubeconfigOption, contextOption, namespaceOption, objectsOption, durationOption, watchersOption, watchRateOption, getsOption,
    concurrencyOption, serverPidOption, outputOption, scenarioOption, http1Option, keepOption, selfTestOption,
    dataDirOption, organizationsOption, projectsPerOrgOption, requestsOption,
};

root.SetAction(async (parseResult, ct) =>
{
    if (parseResult.GetValue(selfTestOption))
    {
        return SelfTest.Run();
    }
    var durationText = parseResult.GetValue(durationOption)!;
    if (!TryParseDuration(durationText, out var duration))
    {
        Console.Error.WriteLine($"invalid --duration '{durationText}' (use e.g. 10s, 500ms, 2m)");
        return 2;
    }
    var options = new BenchOptions(
        parseResult.GetValue(namespaceOption)!,
        Math.Max(1, parseResult.GetValue(objectsOption)),
        duration,
        Math.Max(1, parseResult.GetValue(watchersOption)),
        Math.Max(1, parseResult.GetValue(watchRateOption)),
        Math.Max(1, parseResult.GetValue(getsOption)),
        Math.Max(1, parseResult.GetValue(concurrencyOption)),
        parseResult.GetValue(serverPidOption),
        parseResult.GetValue(keepOption));
    var scenario = parseResult.GetValue(scenarioOption)!;
    var http1 = parseResult.GetValue(http1Option);
    var output = parseResult.GetValue(outputOption);

    var kubeconfigPath = parseResult.GetValue(kubeconfigOption) ?? Kubeconfig.DefaultPath();
    Kubeconfig config;
    try
    {
        config = Kubeconfig.Load(kubeconfigPath, parseResult.GetValue(contextOption));
    }
    catch (Exception ex) when (ex is IOException or FormatException or NotSupportedException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or System.Security.Cryptography.CryptographicException)
    {
        Console.Error.WriteLine($"cannot load kubeconfig {kubeconfigPath}: {ex.Message}");
        return 2;
    }

    var errors = new ErrorLog();
    var report = new Report();
    using var client = new KubeHttpClient(config, http1, errors);
    var ctx = new BenchContext(options, client, config, errors, report);
    if (parseResult.GetValue(watchKubeconfigOption) is { } watchKubeconfig)
    {
        ctx.WatchConfig = Kubeconfig.Load(watchKubeconfig, null);
        report.Note($"watches go to {ctx.WatchConfig.Server}, writes to {config.Server}");
    }
    Console.Error.WriteLine($"> server {config.Server} (context {config.ContextName}), namespace {options.Namespace}, scenario {scenario}");

    var exitCode = 0;
    try
    {
        if (scenario is "tenancy")
        {
            var tenancy = new TenancyOptions(
                Math.Max(1, parseResult.GetValue(organizationsOption)),
                Math.Max(1, parseResult.GetValue(projectsPerOrgOption)),
                Math.Max(1, parseResult.GetValue(requestsOption)),
                parseResult.GetValue(dataDirOption));
            await TenancyScenario.RunAsync(ctx, tenancy, ct);
        }
        else
        {
            await RunConfigMapScenariosAsync(ctx, scenario, http1, ct);
        }
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        report.Note("interrupted: results are partial.");
        exitCode = 130;
    }
    catch (InvalidOperationException ex)
    {
        Console.Error.WriteLine($"aborted: {ex.Message}");
        report.Note($"aborted: {ex.Message}");
        exitCode = 1;
    }
    catch (HttpRequestException ex)
    {
        Console.Error.WriteLine($"aborted: {ex.GetBaseException().Message}");
        report.Note($"aborted: {ex.GetBaseException().Message}");
        exitCode = 1;
    }

    foreach (var (op, status, count, sample) in errors.All())
    {
        report.Note($"{op}: {count} × {(status == 0 ? "transport/stream error" : "HTTP " + status.ToString(CultureInfo.InvariantCulture))}, e.g. `{sample}`");
    }
    var protocol = client.NegotiatedVersion is { } v ? $"HTTP/{v}" : null;
    var markdown = report.Render(Report.Header(config.Server, protocol, args));
    Console.Out.Write(markdown);
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, markdown, CancellationToken.None);
        Console.Error.WriteLine($"> report written to {output}");
    }
    return exitCode;
});

root.Subcommands.Add(ControllerResyncScenario.CreateCommand());
return await root.Parse(args).InvokeAsync();

static bool TryParseDuration(string text, out TimeSpan duration)
{
    text = text.Trim();
    var (number, scale) = text switch
    {
        _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
        _ when text.EndsWith('s') => (text[..^1], 1.0),
        _ when text.EndsWith('m') => (text[..^1], 60.0),
        _ => (text, 1.0),
    };
    if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0)
    {
        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }
    duration = default;
    return false;
}

/// <summary>The ConfigMap scenarios: setup, then fill, get, list, watch and create as --scenario asks.</summary>
static async Task RunConfigMapScenariosAsync(BenchContext ctx, string scenario, bool http1, CancellationToken ct)
{
    await SetupScenario.RunAsync(ctx, ct);
    // Fill first and run create last: the create phases overshoot --objects by far on a fast server, and
    // the server's RSS "with 10k objects" should not include what 60k created-then-deleted objects left behind.
    if (scenario is not "create")
    {
        await FillScenario.RunAsync(ctx, ct);
        RssScenario.Measure(ctx, "after fill", withTarget: false);
    }
    if (scenario is "all" or "get")
    {
        await GetScenario.RunAsync(ctx, ct);
    }
    if (scenario is "all" or "list")
    {
        await ListScenario.RunAsync(ctx, ct);
    }
    if (scenario is "all" or "watch")
    {
        await WatchScenario.RunAsync(ctx, http1, ct);
    }
    if (scenario is not "create")
    {
        RssScenario.Measure(ctx, $"after {(scenario == "all" ? "get/list/watch" : scenario)}", withTarget: true);
    }
    if (scenario is "all" or "create")
    {
        await CreateScenario.RunAsync(ctx, ct);
        RssScenario.Measure(ctx, "after create", withTarget: false);
    }
    if (!ctx.Options.KeepObjects)
    {
        await SetupScenario.DeleteBenchObjectsAsync(ctx, "cleanup", ct);
    }
}

using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Leader;
using Microsoft.Extensions.Logging;

namespace Datum.Cli;

/// <summary><c>datum controllers</c>: runs only the controllers, against any API server over HTTPS, with leader election.</summary>
internal static class ControllersCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "The kubeconfig of the API server (default: $KUBECONFIG).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KUBECONFIG") ?? "" };
        var context = new Option<string?>("--context") { Description = "The kubeconfig context (default: current-context)." };
        var metrics = new Option<string?>("--metrics-bind-address") { Description = "host:port for /metrics, /healthz and /readyz over plain HTTP (e.g. 127.0.0.1:8080); off when empty." };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Take part in leader election so only one of several processes runs the controllers.", DefaultValueFactory = _ => true };
        var leaseNamespace = new Option<string>("--leader-election-namespace") { Description = "The namespace of the leader election Lease.", DefaultValueFactory = _ => "kube-system" };
        var leaseName = new Option<string>("--leader-election-id") { Description = "The name of the leader election Lease.", DefaultValueFactory = _ => "datum-controller-manager" };
        var only = new Option<string[]>("--controllers") { Description = "Run only these controllers (default: all).", AllowMultipleArgumentsPerToken = true };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written.", DefaultValueFactory = _ => LogLevel.Information };
        var command = new Command("controllers", "Run the controllers against an API server given by a kubeconfig (HTTPS; client certificate or token).")
        {
            kubeconfig, context, metrics, leaderElect, leaseNamespace, leaseName, only, logLevel,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(kubeconfig);
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"datum controllers: --kubeconfig: no such file '{path}'").ConfigureAwait(false);
                return 2;
            }
            IPEndPoint? endpoint = null;
            if (parse.GetValue(metrics) is { Length: > 0 } address && !IPEndPoint.TryParse(address, out endpoint))
            {
                await Console.Error.WriteLineAsync($"datum controllers: --metrics-bind-address: '{address}' is not host:port").ConfigureAwait(false);
                return 2;
            }
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(parse.GetValue(logLevel)));
            await using var transport = HttpApiTransport.FromKubeconfig(path, parse.GetValue(context));
            var client = new KubeClient(transport);
            var manager = new Manager(client, new ManagerOptions
            {
                Loggers = loggers,
                ClusterProvider = new Datum.Runtime.Clusters.ProjectClusterProvider(client, loggers.CreateLogger("Datum.Runtime.Clusters")),
                MetricsEndpoint = endpoint,
                LeaderElection = parse.GetValue(leaderElect)
                    ? new LeaderElectionOptions { Namespace = parse.GetValue(leaseNamespace)!, Name = parse.GetValue(leaseName)! }
                    : null,
            });
            var names = parse.GetValue(only) is { Length: > 0 } selected ? selected : null;
            try
            {
                ControllerCatalog.Create().SetUp(manager, names);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"datum controllers: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            Console.WriteLine($"Datum controllers ({manager.Controllers.Count}) running against {transport.Server}");
            await Task.Yield();
            // SIGTERM and SIGINT stop gracefully: running reconciles finish and the lease is released.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            var running = manager.RunAsync(stop.Token);
            if (endpoint is not null)
            {
                while (manager.MetricsUrl is null && !running.IsCompleted) await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
                if (manager.MetricsUrl is { } url) Console.WriteLine($"Metrics at {url}metrics");
            }
            Console.WriteLine("Press Ctrl+C to stop.");
            await running.ConfigureAwait(false);
            Console.WriteLine("Stopped.");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Net;
using Datum.Compute;
using Datum.Networking;
using Datum.Networking.Provider;
using Datum.Iam;
using Datum.ResourceManager;
using Datum.Runtime.Client;
using Datum.Runtime.Clusters;
using Datum.Runtime.Hosting;
using Datum.Runtime.Leader;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;
using Datum.Server.Security;
using Microsoft.Extensions.Logging;

namespace Datum.Cli;

/// <summary>
/// <c>datum up</c>: runs the whole control plane in this process on the embedded SQLite store: the API server and
/// every registered controller (in-process transport). <c>datum server</c>: the API server only.
/// </summary>
internal static class UpCommand
{
    public static Command Create(string name, bool withControllers)
    {
        var bind = new Option<string>("--bind-address") { Description = "The IP address to serve HTTPS on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--secure-port") { Description = "The HTTPS port (0 picks a free one).", DefaultValueFactory = _ => 6443 };
        var dataDir = new Option<string>("--data-dir") { Description = $"Where the database, certificates and kubeconfig live (default: {DefaultDataDirectory.Resolve()}; $DATUM_DATA_DIR overrides)." };
        var datastore = new Option<string>("--datastore-endpoint") { Description = "A PostgreSQL datastore (postgres://user:pass@host:port/db) shared by several replicas, instead of the embedded SQLite file ($DATUM_DATASTORE_ENDPOINT)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written: Trace, Debug, Information, Warning, Error.", DefaultValueFactory = _ => LogLevel.Warning };
        var description = withControllers
            ? "Start the control plane (API server on the embedded SQLite store, and every controller) and write an admin kubeconfig."
            : "Start only the API server (on the embedded SQLite store) and write an admin kubeconfig; run controllers with `datum controllers`.";
        var command = new Command(name, description)
        {
            bind, port, dataDir, datastore, logLevel,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(bind), out var address))
            {
                await Console.Error.WriteLineAsync($"--bind-address: '{parse.GetValue(bind)}' is not an IP address").ConfigureAwait(false);
                return 2;
            }
            var directory = Path.GetFullPath(parse.GetValue(dataDir) ?? DefaultDataDirectory.Resolve());
            DatumServer server;
            var endpoint = parse.GetValue(datastore) ?? Environment.GetEnvironmentVariable("DATUM_DATASTORE_ENDPOINT");
            var firstStart = !File.Exists(Path.Combine(directory, "datum.db"));
            try
            {
                server = await DatumServer.StartAsync(new DatumServerOptions
                {
                    DataDirectory = directory,
                    BindAddress = address,
                    SecurePort = parse.GetValue(port),
                    DatastoreEndpoint = endpoint,
                    LogLevel = parse.GetValue(logLevel),
                }.AddResourceManager().AddIam().AddNetworking().AddCompute(), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                await Console.Error.WriteLineAsync($"datum up: cannot start: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            await using (server.ConfigureAwait(false))
            {
                using var stopControllers = new CancellationTokenSource();
                var controllers = withControllers ? RunControllersAsync(server, parse.GetValue(logLevel), !string.IsNullOrEmpty(endpoint), stopControllers.Token) : Task.CompletedTask;
                await File.WriteAllTextAsync(Path.Combine(directory, "server-url"), server.Url.ToString().TrimEnd('/'), ct).ConfigureAwait(false);
                if (firstStart)
                {
                    await DefaultTenancy.EnsureAsync(server.Resources, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                }
                await SimulatedLocations.EnsureAsync(new KubeClient(new InProcessTransport(server.Resources, server.Catalog)), ct).ConfigureAwait(false);
                if (await server.Store.GetAsync($"/registry/root/resourcemanager.miloapis.com/projects/{DefaultTenancy.Project}", ct).ConfigureAwait(false) is not null)
                {
                    // Two contexts: `platform` and the default project's control plane (current).
                    await KubeconfigWriter.WriteAsync(server.KubeconfigPath,
                        TenancyKubeconfig.Render(server.Credentials, server.Url.ToString(), null, DefaultTenancy.Project), ct).ConfigureAwait(false);
                }
                Console.WriteLine($"Datum control plane serving at {server.Url.ToString().TrimEnd('/')}");
                Console.WriteLine($"Data directory: {directory}");
                Console.WriteLine($"Admin kubeconfig: {server.KubeconfigPath}");
                Console.WriteLine();
                Console.WriteLine($"  export KUBECONFIG={server.KubeconfigPath}");
                Console.WriteLine("  kubectl api-resources                       # in project default-project");
                Console.WriteLine("  kubectl --context platform get projects     # the platform control plane");
                Console.WriteLine();
                Console.WriteLine("Press Ctrl+C to stop.");
                await server.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
                // Controllers stop first (running reconciles finish) while the store is still open.
                await stopControllers.CancelAsync().ConfigureAwait(false);
                await controllers.ConfigureAwait(false);
            }
            Console.WriteLine("Stopped.");
            return 0;
        });
        return command;
    }

    private static async Task RunControllersAsync(DatumServer server, LogLevel logLevel, bool sharedDatastore, CancellationToken ct)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(logLevel));
        var client = new KubeClient(new InProcessTransport(server.Resources, server.Catalog));
        // On SQLite one process owns the data, so there is nothing to elect. On a shared datastore several replicas
        // run these controllers: they elect one leader on the same Lease `datum controllers` uses.
        var manager = new Manager(client, new ManagerOptions
        {
            Loggers = loggers,
            ClusterProvider = new ProjectClusterProvider(client, loggers.CreateLogger("Datum.Runtime.Clusters")),
            LeaderElection = sharedDatastore ? new LeaderElectionOptions { Name = "datum-controller-manager" } : null,
        });
        ControllerCatalog.Create().SetUp(manager);
        await manager.RunAsync(ct).ConfigureAwait(false);
    }
}

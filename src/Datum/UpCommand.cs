using System.CommandLine;
using System.Net;
using Datum.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Cli;

/// <summary><c>datum up</c>: runs the whole control plane in this process on the embedded SQLite store.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var bind = new Option<string>("--bind-address") { Description = "The IP address to serve HTTPS on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--secure-port") { Description = "The HTTPS port (0 picks a free one).", DefaultValueFactory = _ => 6443 };
        var dataDir = new Option<string>("--data-dir") { Description = $"Where the database, certificates and kubeconfig live (default: {DefaultDataDirectory.Resolve()}; $DATUM_DATA_DIR overrides)." };
        var datastore = new Option<string>("--datastore-endpoint") { Description = "A PostgreSQL datastore (postgres://user:pass@host:port/db) shared by several replicas, instead of the embedded SQLite file ($DATUM_DATASTORE_ENDPOINT)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written: Trace, Debug, Information, Warning, Error.", DefaultValueFactory = _ => LogLevel.Warning };
        var command = new Command("up", "Start the control plane (API server on the embedded SQLite store) and write an admin kubeconfig.")
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
            try
            {
                server = await DatumServer.StartAsync(new DatumServerOptions
                {
                    DataDirectory = directory,
                    BindAddress = address,
                    SecurePort = parse.GetValue(port),
                    DatastoreEndpoint = parse.GetValue(datastore) ?? Environment.GetEnvironmentVariable("DATUM_DATASTORE_ENDPOINT"),
                    LogLevel = parse.GetValue(logLevel),
                }, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                await Console.Error.WriteLineAsync($"datum up: cannot start: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            await using (server.ConfigureAwait(false))
            {
                await File.WriteAllTextAsync(Path.Combine(directory, "server-url"), server.Url.ToString().TrimEnd('/'), ct).ConfigureAwait(false);
                Console.WriteLine($"Datum control plane serving at {server.Url.ToString().TrimEnd('/')}");
                Console.WriteLine($"Data directory: {directory}");
                Console.WriteLine($"Admin kubeconfig: {server.KubeconfigPath}");
                Console.WriteLine();
                Console.WriteLine($"  export KUBECONFIG={server.KubeconfigPath}");
                Console.WriteLine("  kubectl api-resources");
                Console.WriteLine();
                Console.WriteLine("Press Ctrl+C to stop.");
                await server.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            }
            Console.WriteLine("Stopped.");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Datum.ResourceManager;
using Datum.Server.Hosting;
using Datum.Server.Security;

namespace Datum.Cli;

/// <summary><c>datum kubeconfig</c>: prints an admin kubeconfig for a data directory.</summary>
internal static class KubeconfigCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Description = $"The server's data directory (default: {DefaultDataDirectory.Resolve()})." };
        var server = new Option<string>("--server") { Description = "The server URL to put in the kubeconfig (default: the URL the last `datum up` served at)." };
        var organization = new Option<string>("--organization") { Description = "Make the organization's control plane the current context." };
        var project = new Option<string>("--project") { Description = "Make the project's control plane the current context (takes precedence over --organization)." };
        var user = new Option<string>("--user") { Description = "Authenticate as this user with a server-issued token (see `datum token create`) instead of the admin certificate." };
        var serviceAccount = new Option<string>("--service-account") { Description = "Authenticate as this iam.miloapis.com ServiceAccount of the --project (or --organization) instead." };
        var ttl = new Option<string>("--ttl") { Description = "With --user or --service-account: how long the token is valid.", DefaultValueFactory = _ => "24h" };
        var command = new Command("kubeconfig", "Print a kubeconfig (admin, or --user) for the server of a data directory to standard output: the platform context, plus a current context for --organization or --project.") { dataDir, server, organization, project, user, serviceAccount, ttl };
        command.SetAction(async (parse, ct) =>
        {
            var directory = Path.GetFullPath(parse.GetValue(dataDir) ?? DefaultDataDirectory.Resolve());
            if (!File.Exists(Path.Combine(directory, "pki", "ca.crt")))
            {
                await Console.Error.WriteLineAsync($"datum kubeconfig: {directory} has no credentials yet; run `datum up --data-dir {directory}` first").ConfigureAwait(false);
                return 1;
            }
            var url = parse.GetValue(server);
            if (string.IsNullOrEmpty(url))
            {
                var urlFile = Path.Combine(directory, "server-url");
                url = File.Exists(urlFile) ? (await File.ReadAllTextAsync(urlFile, ct).ConfigureAwait(false)).Trim() : "https://127.0.0.1:6443";
            }
            var credentials = await ClusterCredentials.LoadOrCreateAsync(directory, ct).ConfigureAwait(false);
            var org = parse.GetValue(organization);
            var proj = parse.GetValue(project);
            string? token = null;
            var userName = parse.GetValue(user);
            var account = parse.GetValue(serviceAccount);
            if (!string.IsNullOrEmpty(userName) && !string.IsNullOrEmpty(account))
            {
                await Console.Error.WriteLineAsync("datum kubeconfig: give at most one of --user and --service-account").ConfigureAwait(false);
                return 2;
            }
            if (!string.IsNullOrEmpty(account))
            {
                if (TokenCommand.ParseDuration(parse.GetValue(ttl) ?? "") is not { } lifetime)
                {
                    await Console.Error.WriteLineAsync($"--ttl: '{parse.GetValue(ttl)}' is not a duration like 30m, 24h or 7d").ConfigureAwait(false);
                    return 2;
                }
                var cluster = TokenCommand.ServiceAccountCluster(proj, org);
                userName = Datum.Iam.Apis.V1Alpha1.ServiceAccount.EmailOf(cluster, account);
                using var tokens = await UserTokens.LoadAsync(directory, ct).ConfigureAwait(false);
                token = tokens.IssueForServiceAccount(cluster, account, userName, lifetime);
            }
            else if (!string.IsNullOrEmpty(userName))
            {
                if (TokenCommand.ParseDuration(parse.GetValue(ttl) ?? "") is not { } lifetime)
                {
                    await Console.Error.WriteLineAsync($"--ttl: '{parse.GetValue(ttl)}' is not a duration like 30m, 24h or 7d").ConfigureAwait(false);
                    return 2;
                }
                using var tokens = await UserTokens.LoadAsync(directory, ct).ConfigureAwait(false);
                token = tokens.Issue(userName, [], lifetime);
            }
            Console.Write(token is null && string.IsNullOrEmpty(org) && string.IsNullOrEmpty(proj)
                ? DatumServer.AdminKubeconfig(credentials, new Uri(url))
                : TenancyKubeconfig.Render(credentials, url, string.IsNullOrEmpty(proj) ? org : null, proj, token, userName));
            return 0;
        });
        return command;
    }
}

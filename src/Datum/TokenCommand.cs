using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Datum.Server.Hosting;
using Datum.Server.Security;

namespace Datum.Cli;

/// <summary><c>datum token create</c>: prints a user token the server of a data directory accepts.</summary>
internal static partial class TokenCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Description = $"The server's data directory (default: {DefaultDataDirectory.Resolve()})." };
        var user = new Option<string>("--user") { Description = "The user name (and uid) the token authenticates as, e.g. the name of a User." };
        var serviceAccount = new Option<string>("--service-account") { Description = "Instead of --user: the iam.miloapis.com ServiceAccount the token authenticates as (with --project or --organization; the platform's otherwise)." };
        var project = new Option<string>("--project") { Description = "With --service-account: the project whose control plane holds the account." };
        var organization = new Option<string>("--organization") { Description = "With --service-account: the organization whose control plane holds the account." };
        var groups = new Option<string[]>("--group") { Description = "Extra groups (repeatable); system:masters is never granted.", AllowMultipleArgumentsPerToken = false };
        var ttl = new Option<string>("--ttl") { Description = "How long the token is valid: 30m, 24h, 7d.", DefaultValueFactory = _ => "24h" };
        var create = new Command("create", "Print a signed user or service-account token (for --token or a kubeconfig) to standard output.") { dataDir, user, serviceAccount, project, organization, groups, ttl };
        create.SetAction(async (parse, ct) =>
        {
            if (ParseDuration(parse.GetValue(ttl) ?? "") is not { } lifetime)
            {
                await Console.Error.WriteLineAsync($"--ttl: '{parse.GetValue(ttl)}' is not a duration like 30m, 24h or 7d").ConfigureAwait(false);
                return 2;
            }
            var userName = parse.GetValue(user);
            var account = parse.GetValue(serviceAccount);
            if (string.IsNullOrEmpty(userName) == string.IsNullOrEmpty(account))
            {
                await Console.Error.WriteLineAsync("datum token create: give exactly one of --user NAME or --service-account NAME").ConfigureAwait(false);
                return 2;
            }
            var directory = Path.GetFullPath(parse.GetValue(dataDir) ?? DefaultDataDirectory.Resolve());
            using var tokens = await UserTokens.LoadAsync(directory, ct).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(account))
            {
                var cluster = ServiceAccountCluster(parse.GetValue(project), parse.GetValue(organization));
                Console.WriteLine(tokens.IssueForServiceAccount(cluster, account, Datum.Iam.Apis.V1Alpha1.ServiceAccount.EmailOf(cluster, account), lifetime));
                return 0;
            }
            Console.WriteLine(tokens.Issue(userName!, parse.GetValue(groups) ?? [], lifetime));
            return 0;
        });
        return new Command("token", "Manage user tokens.") { create };
    }

    /// <summary>The storage cluster of a service account's control plane: a project's, else an organization's, else the platform.</summary>
    public static string ServiceAccountCluster(string? project, string? organization) =>
        !string.IsNullOrEmpty(project) ? "project:" + project : !string.IsNullOrEmpty(organization) ? "org:" + organization : "root";

    /// <summary>Parses <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c> (and sums like <c>1h30m</c>).</summary>
    public static TimeSpan? ParseDuration(string value)
    {
        var matches = DurationPart().Matches(value);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != value) return null;
        var total = TimeSpan.Zero;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n), "h" => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
        }
        return total > TimeSpan.Zero ? total : null;
    }

    [GeneratedRegex("([0-9]+(?:\\.[0-9]+)?)(s|m|h|d)")]
    private static partial Regex DurationPart();
}

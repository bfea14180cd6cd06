using Npgsql;

namespace Datum.Storage.Postgres;

/// <summary>Turns a datastore endpoint (<c>postgres://user:pass@host:port/db?sslmode=require</c>) into an Npgsql connection string.</summary>
public static class PostgresEndpoint
{
    /// <summary>True when <paramref name="endpoint"/> names a PostgreSQL database.</summary>
    public static bool IsPostgres(string? endpoint) =>
        endpoint is not null
        && (endpoint.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || endpoint.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || endpoint.Contains("Host=", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The connection string for <paramref name="endpoint"/>: a URL as above, or already an Npgsql connection string.
    /// Every connection gets <c>synchronous_commit=on</c>, so an acknowledged write has been flushed to disk, and an
    /// idle-in-transaction timeout, so a stalled replica cannot hold the revision lock for long.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        NpgsqlConnectionStringBuilder builder;
        if (endpoint.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(endpoint);
            builder = new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host.Trim('[', ']'),
                Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
                Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
            };
            if (uri.UserInfo.Length > 0)
            {
                var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
                builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
                if (colon >= 0)
                {
                    builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
                }
            }
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                if (name.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
                {
                    builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
                }
                else
                {
                    builder[name] = value;
                }
            }
        }
        else
        {
            builder = new NpgsqlConnectionStringBuilder(endpoint);
        }
        // A replica that stalls (stopped, partitioned) inside a write transaction holds the revision lock every writer
        // needs: the server ends such a session after 30 s idle in a transaction, and notices a vanished client by keepalives.
        const string sessionOptions = "-c synchronous_commit=on -c idle_in_transaction_session_timeout=30000"
            + " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3";
        builder.Options = string.IsNullOrEmpty(builder.Options) ? sessionOptions : builder.Options + " " + sessionOptions;
        builder.ApplicationName ??= "datum";
        return builder;
    }

    /// <summary>The endpoint without its password, for messages.</summary>
    public static string Redact(string endpoint)
    {
        var builder = Parse(endpoint);
        return $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
    }
}

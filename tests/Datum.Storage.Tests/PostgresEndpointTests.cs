using Datum.Storage.Postgres;
using Npgsql;

namespace Datum.Storage.Tests;

public sealed class PostgresEndpointTests
{
    [Fact]
    public void A_url_becomes_a_connection_string_with_durable_session_settings()
    {
        var builder = PostgresEndpoint.Parse("postgres://datum:p%40ss%3Aw@db.example:6543/cluster_1?sslmode=require");
        Assert.Equal(("db.example", 6543, "cluster_1", "datum", "p@ss:w"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Contains("synchronous_commit=on", builder.Options, StringComparison.Ordinal);
        Assert.Equal("postgres://datum@db.example:6543/cluster_1", PostgresEndpoint.Redact("postgres://datum:p%40ss%3Aw@db.example:6543/cluster_1"));
    }

    [Fact]
    public void Defaults_and_connection_strings()
    {
        var builder = PostgresEndpoint.Parse("postgresql://u@localhost");
        Assert.Equal((5432, "postgres", "u"), (builder.Port, builder.Database, builder.Username));
        var raw = PostgresEndpoint.Parse("Host=h;Port=1234;Database=d;Username=x");
        Assert.Equal(("h", 1234, "d"), (raw.Host, raw.Port, raw.Database));
        Assert.Contains("synchronous_commit=on", raw.Options, StringComparison.Ordinal);
        Assert.True(PostgresEndpoint.IsPostgres("postgres://u@h/d"));
        Assert.False(PostgresEndpoint.IsPostgres(null));
        Assert.False(PostgresEndpoint.IsPostgres("/var/lib/datum/datum.db"));
    }
}

using System.Net;
using Datum.Server.Registry;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Hosting;

/// <summary>How to run one API server process.</summary>
public sealed record DatumServerOptions
{
    /// <summary>Where the database, certificates and kubeconfig live.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// A PostgreSQL datastore (<c>postgres://user:pass@host:port/db</c>) shared by any number of replicas; null or
    /// empty keeps the embedded SQLite file in <see cref="DataDirectory"/>.
    /// </summary>
    public string? DatastoreEndpoint { get; init; }

    /// <summary>The address to listen on (HTTPS only).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The HTTPS port; 0 picks a free one.</summary>
    public int SecurePort { get; init; } = 6443;

    /// <summary>The least severe log level written (quiet by default).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Adds more kinds (services, tests) after the built-ins.</summary>
    public Action<ResourceCatalog>? ConfigureKinds { get; init; }

    /// <summary>Services plugged in (kinds, admission plugins, controllers, control-plane routing).</summary>
    public IReadOnlyList<IServerModule> Modules { get; init; } = [];

    /// <summary>Watch timings.</summary>
    public Http.WatchSettings Watch { get; init; } = new();

    /// <summary>Whether to compact the heap and give memory back when the server goes idle after a burst (<see cref="IdleMemoryTrimmer"/>).</summary>
    public bool TrimMemoryWhenIdle { get; init; } = true;

    /// <summary>How often old history is compacted; zero turns it off.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How much history (for watch resume and paginated lists) is kept.</summary>
    public TimeSpan CompactionRetention { get; init; } = TimeSpan.FromMinutes(5);
}

using Datum.Runtime.Client;
using Datum.Runtime.Informers;

namespace Datum.Runtime.Clusters;

/// <summary>One engaged logical control plane: its client and its own informers.</summary>
public interface ICluster
{
    /// <summary>The plane's name (<c>root</c> for the platform).</summary>
    string Name { get; }

    /// <summary>The plane's API client (uncached).</summary>
    KubeClient Client { get; }

    /// <summary>The plane's informers (the cached read path), one per kind.</summary>
    SharedInformers Informers { get; }
}

/// <summary>Something that runs per plane: told when a plane appears and when it goes.</summary>
public interface IClusterAware
{
    /// <summary>Starts work for a new plane. Called once per plane, before any work for it.</summary>
    Task EngageAsync(string name, KubeClient client, CancellationToken ct);

    /// <summary>Stops all work for a plane that went away.</summary>
    Task DisengageAsync(string name);
}

/// <summary>
/// Discovers logical control planes and engages <see cref="IClusterAware"/> targets as they appear and go. The
/// provider for many planes would watch the objects that define planes (projects) and engage one per object.
/// </summary>
public interface IClusterProvider
{
    /// <summary>Engages the planes that exist and follows changes until <paramref name="ct"/> is cancelled.</summary>
    Task RunAsync(IClusterAware target, CancellationToken ct);
}

/// <summary>The only plane served today: <c>root</c>. Engages it at start and never disengages it.</summary>
public sealed class SingleClusterProvider(KubeClient client) : IClusterProvider
{
    /// <inheritdoc />
    public async Task RunAsync(IClusterAware target, CancellationToken ct)
    {
        await target.EngageAsync(client.Cluster, client, ct).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

internal sealed class EngagedCluster(string name, KubeClient client, SharedInformers informers) : ICluster
{
    public string Name { get; } = name;
    public KubeClient Client { get; } = client;
    public SharedInformers Informers { get; } = informers;
}

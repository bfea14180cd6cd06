using System.Text.Json.Nodes;
using System.Threading.Channels;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Informers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Runtime.Clusters;

/// <summary>
/// Engages the platform (<c>root</c>) and every project control plane: watches
/// <c>projects.resourcemanager.miloapis.com</c> in the platform and engages <c>project:{name}</c> (a client scoped
/// with <see cref="KubeClient.ForCluster"/>) when a project's <c>Ready</c> condition becomes True, and disengages it when
/// the project object is gone. A project being deleted stays engaged until then, so controllers can release their
/// finalizers while the resource manager empties the plane. Engagements run one at a time, in the order seen.
/// </summary>
public sealed partial class ProjectClusterProvider(KubeClient client, ILogger? logger = null) : IClusterProvider
{
    /// <summary>The projects resource.</summary>
    public static ResourceType Projects { get; } = new("resourcemanager.miloapis.com", "v1alpha1", "Project", "projects", Namespaced: false);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The plane name of a project.</summary>
    public static string ClusterOf(string project) => "project:" + project;

    /// <inheritdoc />
    public async Task RunAsync(IClusterAware target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var root = client.ForCluster(ClusterNames.Root);
        try
        {
            await target.EngageAsync(ClusterNames.Root, root, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        var changes = Channel.CreateUnbounded<(string Name, bool? Ready)>(new UnboundedChannelOptions { SingleReader = true });
        var informer = new Informer<Unstructured>(root.Resource(Projects));
        using var handler = informer.AddHandler(new ResourceEventHandler<Unstructured>(
            onAdd: p => changes.Writer.TryWrite((p.Metadata.Name ?? "", IsReady(p))),
            onUpdate: (_, p) => changes.Writer.TryWrite((p.Metadata.Name ?? "", IsReady(p))),
            onDelete: p => changes.Writer.TryWrite((p.Metadata.Name ?? "", null))));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = Task.Run(() => informer.RunAsync(stop.Token), CancellationToken.None);
        var engaged = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var (name, ready) in changes.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (name.Length == 0) continue;
                var cluster = ClusterOf(name);
                if (ready == true && engaged.Add(cluster))
                {
                    LogEngaging(_logger, cluster);
                    try
                    {
                        await target.EngageAsync(cluster, root.ForCluster(cluster), ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        engaged.Remove(cluster);
                        LogEngageFailed(_logger, cluster, e);
                    }
                }
                else if (ready is null && engaged.Remove(cluster))
                {
                    LogDisengaging(_logger, cluster);
                    await target.DisengageAsync(cluster).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await watching.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Whether a project object's Ready condition is True.</summary>
    public static bool IsReady(Unstructured project)
    {
        ArgumentNullException.ThrowIfNull(project);
        if (project["status"]?["conditions"] is not JsonArray conditions) return false;
        return conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c?["status"]?.GetValue<string>() == "True");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "engaging control plane {Cluster}")]
    private static partial void LogEngaging(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "disengaging control plane {Cluster}")]
    private static partial void LogDisengaging(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "engaging control plane {Cluster} failed")]
    private static partial void LogEngageFailed(ILogger logger, string cluster, Exception exception);
}

using Datum.Server.Registry;
using Datum.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Iam.Authorization;

/// <summary>
/// Keeps the <see cref="PolicyGraph"/> current: one list of every IAM object (all control planes) when created, then a
/// storage watch of <c>/registry/</c>; after a watch failure it clears the graph and lists again.
/// </summary>
internal sealed partial class PolicyGraphFeeder(PolicyGraph graph, IRevisionedStore storage, ILogger<PolicyGraphFeeder> logger) : BackgroundService
{
    private long _revision = -1;

    /// <summary>Loads the graph from storage (synchronously usable before the server serves).</summary>
    public async Task<long> LoadAsync(CancellationToken ct)
    {
        graph.Clear();
        var page = await storage.ListAsync("/registry/", new ListRequest(Filter: item => PolicyGraph.IsWatched(item.Key)), ct).ConfigureAwait(false);
        foreach (var item in page.Items) graph.Apply(item.Key, ObjectEncoding.Decode(item.Value));
        _revision = page.Revision;
        return page.Revision;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var revision = _revision >= 0 ? _revision : await LoadAsync(stoppingToken).ConfigureAwait(false);
                _revision = -1;
                await using var watch = await storage.WatchAsync("/registry/", revision, stoppingToken).ConfigureAwait(false);
                await foreach (var change in watch.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (change.Type == StorageEventType.Progress || !PolicyGraph.IsWatched(change.Key)) continue;
                    graph.Apply(change.Key, change.Type == StorageEventType.Deleted ? null : ObjectEncoding.Decode(change.Value));
                }
                if (stoppingToken.IsCancellationRequested) return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWatchFailed(logger, e);
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IAM graph watch failed; relisting")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}

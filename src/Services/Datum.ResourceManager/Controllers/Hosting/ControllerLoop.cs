using System.Threading.Channels;
using Datum.Server.Registry;
using Datum.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.ResourceManager.Controllers.Hosting;

/// <summary>
/// Runs one <see cref="IReconciler"/> in the server process: lists and watches each <see cref="WatchSource"/> (relisting
/// after a watch failure), and feeds a de-duplicated queue to <c>workers</c> workers. A key is never reconciled by two
/// workers at once; failures retry with exponential backoff (250 ms to 30 s). A stand-in for Datum.Runtime's
/// controller host until it is merged.
/// </summary>
internal sealed partial class ControllerLoop(
    string name, IReconciler reconciler, IReadOnlyList<WatchSource> sources, ResourceStore store, ILogger logger, int workers = 4) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);
    private readonly Channel<ReconcileRequest> _queue = Channel.CreateUnbounded<ReconcileRequest>();
    private readonly HashSet<ReconcileRequest> _queued = [];
    private readonly HashSet<ReconcileRequest> _processing = [];
    private readonly HashSet<ReconcileRequest> _dirty = [];
    private readonly Dictionary<ReconcileRequest, int> _failures = [];
    private readonly Lock _lock = new();

    /// <summary>Queues a request (ignored while it is already queued; remembered while it is being processed).</summary>
    public void Enqueue(ReconcileRequest request)
    {
        lock (_lock)
        {
            if (_processing.Contains(request))
            {
                _dirty.Add(request);
                return;
            }
            if (_queued.Add(request)) _queue.Writer.TryWrite(request);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tasks = sources.Select(s => WatchAsync(s, stoppingToken)).ToList();
        for (var i = 0; i < workers; i++) tasks.Add(WorkAsync(stoppingToken));
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task WatchAsync(WatchSource source, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var page = await store.Storage.ListAsync(source.Prefix, new ListRequest(), ct).ConfigureAwait(false);
                foreach (var item in page.Items) Map(source, item.Key, item.Value);
                try
                {
                    await using var watch = await store.Storage.WatchAsync(source.Prefix, page.Revision, ct).ConfigureAwait(false);
                    await foreach (var change in watch.Events.ReadAllAsync(ct).ConfigureAwait(false)) Map(source, change.Key, change.Value);
                }
                catch (StorageException)
                {
                    // Fell behind or history compacted: relist and watch again.
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Map(WatchSource source, string key, byte[] value)
    {
        foreach (var request in source.Map(key, value)) Enqueue(request);
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var request in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    _queued.Remove(request);
                    _processing.Add(request);
                }
                TimeSpan? again;
                try
                {
                    var result = await reconciler.ReconcileAsync(request, ct).ConfigureAwait(false);
                    lock (_lock) _failures.Remove(request);
                    again = result.RequeueAfter;
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    int attempt;
                    lock (_lock)
                    {
                        attempt = _failures.GetValueOrDefault(request);
                        _failures[request] = attempt + 1;
                    }
                    LogRetry(logger, name, request.Cluster, request.Namespace, request.Name, e.Message);
                    again = TimeSpan.FromMilliseconds(Math.Min(FirstRetry.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)), MaxRetry.TotalMilliseconds));
                }
                bool dirty;
                lock (_lock)
                {
                    _processing.Remove(request);
                    dirty = _dirty.Remove(request);
                }
                if (dirty) Enqueue(request);
                else if (again is { } delay) _ = RequeueLaterAsync(request, delay, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RequeueLaterAsync(ReconcileRequest request, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            Enqueue(request);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Controller} will retry {Cluster}/{Namespace}/{Name}: {Reason}")]
    private static partial void LogRetry(ILogger logger, string controller, string cluster, string? @namespace, string name, string reason);
}

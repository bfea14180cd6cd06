using System.Collections.Concurrent;
using System.Diagnostics;
using Datum.Runtime.Api;
using Datum.Runtime.Clusters;
using Datum.Runtime.Informers;
using Datum.Runtime.Metrics;
using Datum.Runtime.Queue;
using Microsoft.Extensions.Logging;

namespace Datum.Runtime.Reconcile;

/// <summary>How a controller runs.</summary>
public sealed record ControllerOptions
{
    /// <summary>Reconciles running at once (different objects; one object is never reconciled twice at once).</summary>
    public int MaxConcurrentReconciles { get; init; } = 1;

    /// <summary>Every so often, queue every primary object again at low priority (null: never).</summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>Retries a second across the controller (token bucket rate).</summary>
    public double RetryQps { get; init; } = 10;

    /// <summary>Retries allowed in a burst (token bucket size).</summary>
    public int RetryBurst { get; init; } = 100;
}

/// <summary>
/// One controller: watches (a primary kind, owned kinds, mapped kinds) feed a <see cref="WorkQueue{T}"/> of
/// <see cref="ReconcileRequest"/>s that a fixed number of workers hand to the <see cref="IReconciler"/>. Built with
/// <see cref="ControllerBuilder"/>; run by the <see cref="Hosting.Manager"/>, which engages it once per control plane.
/// </summary>
public sealed partial class Controller
{
    private readonly IReconciler _reconciler;
    private readonly WatchSpec _primary;
    private readonly IReadOnlyList<WatchSpec> _watches;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (ICluster Cluster, List<IDisposable> Registrations)> _engaged = new(StringComparer.Ordinal);
    private volatile WorkQueue<ReconcileRequest>? _queue;
    private volatile bool _stopping;

    internal Controller(string name, IReconciler reconciler, ControllerOptions options, WatchSpec primary, IReadOnlyList<WatchSpec> watches, RuntimeMetrics metrics, ILogger logger, TimeProvider time)
    {
        Name = name;
        Options = options;
        _reconciler = reconciler;
        _primary = primary;
        _watches = watches;
        _metrics = metrics;
        _logger = logger;
        _time = time;
    }

    /// <summary>The controller's name (metrics label, logs).</summary>
    public string Name { get; }

    /// <summary>How it runs.</summary>
    public ControllerOptions Options { get; }

    /// <summary>The queue while running, else null.</summary>
    public WorkQueue<ReconcileRequest>? Queue => _queue;

    /// <summary>Starts feeding the queue from <paramref name="cluster"/>'s informers (creating them if needed).</summary>
    public void Engage(ICluster cluster)
    {
        var registrations = new List<IDisposable>();
        foreach (var watch in _watches.Prepend(_primary))
        {
            registrations.Add(watch.Subscribe(cluster.Informers, new Handler(this, cluster.Name, watch)));
        }
        _engaged[cluster.Name] = (cluster, registrations);
    }

    /// <summary>Stops feeding from a plane; its queued requests are dropped when reached.</summary>
    public void Disengage(string cluster)
    {
        if (!_engaged.TryRemove(cluster, out var engaged)) return;
        foreach (var registration in engaged.Registrations) registration.Dispose();
    }

    /// <summary>Queues every primary object of every engaged plane (a resync), by default behind real changes.</summary>
    public void Resync(QueuePriority priority = QueuePriority.Low)
    {
        if (_queue is not { } queue) return;
        foreach (var (name, (cluster, _)) in _engaged)
        {
            foreach (var obj in _primary.List(cluster.Informers))
            {
                var key = ObjectKey.Of(obj);
                queue.Add(new ReconcileRequest(name, key.Namespace, key.Name), priority);
            }
        }
    }

    // At start: every cached object of every watch, through its mapping and create filters, as if just added.
    private void Replay(WorkQueue<ReconcileRequest> queue)
    {
        foreach (var (name, (cluster, _)) in _engaged)
        {
            foreach (var watch in _watches.Prepend(_primary))
            {
                foreach (var obj in watch.List(cluster.Informers))
                {
                    if (!watch.Filters.All(f => f.Create(obj))) continue;
                    foreach (var key in watch.Map(obj))
                    {
                        if (key.Name.Length > 0) queue.Add(new ReconcileRequest(name, key.Namespace, key.Name));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Runs the workers until <paramref name="stop"/>: then no new reconcile starts and the running ones finish
    /// (their token is <paramref name="abort"/>, cancelled by the caller when they must not finish).
    /// </summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        using var queue = new WorkQueue<ReconcileRequest>(RateLimiters.Default<ReconcileRequest>(_time, Options.RetryQps, Options.RetryBurst), _time);
        _stopping = false;
        _queue = queue;
        _metrics.QueueDepth.Track(() => queue.Count, Name);
        Replay(queue);
        using var registration = stop.Register(() =>
        {
            _stopping = true;
            queue.ShutDown();
        });
        var resync = Options.ResyncPeriod is { } period ? ResyncLoopAsync(period, stop) : Task.CompletedTask;
        var workers = Enumerable.Range(0, Math.Max(1, Options.MaxConcurrentReconciles)).Select(_ => Task.Run(() => WorkerAsync(queue, abort), CancellationToken.None)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        await resync.ConfigureAwait(false);
        _queue = null;
        _metrics.QueueDepth.Set(0, Name);
    }

    private async Task ResyncLoopAsync(TimeSpan period, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(period, _time, stop).ConfigureAwait(false);
                Resync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WorkerAsync(WorkQueue<ReconcileRequest> queue, CancellationToken abort)
    {
        while (await queue.GetAsync(CancellationToken.None).ConfigureAwait(false) is (true, var request))
        {
            try
            {
                // Fencing: once told to stop (leadership lost), nothing new starts even if it was already dequeued.
                if (_stopping || !_engaged.ContainsKey(request.Cluster)) continue;
                await ReconcileOneAsync(queue, request, abort).ConfigureAwait(false);
            }
            finally
            {
                queue.Done(request);
            }
        }
    }

    private async Task ReconcileOneAsync(WorkQueue<ReconcileRequest> queue, ReconcileRequest request, CancellationToken abort)
    {
        var started = Stopwatch.GetTimestamp();
        string result;
        try
        {
            var outcome = await _reconciler.ReconcileAsync(request, abort).ConfigureAwait(false);
            if (!outcome.IsRequeue)
            {
                queue.Forget(request);
                result = "success";
            }
            else if (outcome.After > TimeSpan.Zero)
            {
                queue.Forget(request);
                queue.AddAfter(request, outcome.After);
                result = "requeue_after";
            }
            else
            {
                queue.AddRateLimited(request);
                result = "requeue";
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            result = "canceled";
        }
        catch (TerminalException e)
        {
            queue.Forget(request);
            LogTerminal(_logger, Name, request.ToString(), e.Message);
            _metrics.ReconcileErrors.Inc(Name);
            result = "terminal";
        }
        catch (Exception e)
        {
            queue.AddRateLimited(request);
            LogFailed(_logger, Name, request.ToString(), queue.NumRequeues(request), e);
            _metrics.ReconcileErrors.Inc(Name);
            result = "error";
        }
        _metrics.ReconcileTotal.Inc(Name, result);
        _metrics.ReconcileTime.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds, Name);
    }

    private void Enqueue(string cluster, ObjectKey key)
    {
        if (key.Name.Length > 0) _queue?.Add(new ReconcileRequest(cluster, key.Namespace, key.Name), QueuePriority.High);
    }

    private sealed class Handler(Controller controller, string cluster, WatchSpec watch) : IResourceEventHandler<IKubeObject>
    {
        public void OnAdd(IKubeObject obj)
        {
            if (watch.Filters.All(f => f.Create(obj))) Map(obj);
        }

        public void OnUpdate(IKubeObject oldObj, IKubeObject newObj)
        {
            if (!watch.Filters.All(f => f.Update(oldObj, newObj))) return;
            // An owner reference may have moved: both owners hear of it, each key once. (The queue de-duplicates only
            // keys still waiting: a key an idle worker took at once would be queued again and reconciled twice.)
            var keys = watch.Map(newObj).ToList();
            foreach (var key in keys) controller.Enqueue(cluster, key);
            foreach (var key in watch.Map(oldObj))
            {
                if (!keys.Contains(key)) controller.Enqueue(cluster, key);
            }
        }

        public void OnDelete(IKubeObject obj)
        {
            if (watch.Filters.All(f => f.Delete(obj))) Map(obj);
        }

        private void Map(IKubeObject obj)
        {
            foreach (var key in watch.Map(obj)) controller.Enqueue(cluster, key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Controller}: reconcile of {Request} failed (retry {Retries})")]
    private static partial void LogFailed(ILogger logger, string controller, string request, int retries, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Controller}: reconcile of {Request} failed terminally, not retrying: {Reason}")]
    private static partial void LogTerminal(ILogger logger, string controller, string request, string reason);
}

/// <summary>One watched kind of a controller: how to subscribe to a plane's informer, how to map, what to filter.</summary>
internal sealed record WatchSpec(
    Func<SharedInformers, IResourceEventHandler<IKubeObject>, IDisposable> Subscribe,
    Func<IKubeObject, IEnumerable<ObjectKey>> Map,
    IReadOnlyList<IEventFilter> Filters,
    Func<SharedInformers, IEnumerable<IKubeObject>> List);

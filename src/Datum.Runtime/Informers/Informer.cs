using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Runtime.Informers;

/// <summary>What every informer offers regardless of its kind.</summary>
public interface IInformer
{
    /// <summary>The informed resource.</summary>
    ResourceType Resource { get; }

    /// <summary>True once the first list has been applied to the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Watches that had to be opened again (stream end, error, relist).</summary>
    long WatchRestarts { get; }

    /// <summary>Lists and watches until <paramref name="ct"/> is cancelled.</summary>
    Task RunAsync(CancellationToken ct);

    /// <summary>Completes once <see cref="HasSynced"/>.</summary>
    Task WaitForSyncAsync(CancellationToken ct);
}

/// <summary>How an informer lists and watches.</summary>
public sealed record InformerOptions
{
    /// <summary>Only this namespace (null: all).</summary>
    public string? Namespace { get; init; }

    /// <summary>Only objects matching this label selector.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>List page size.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>First delay before reconnecting after a failure; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between reconnection attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Server-side watch timeout (randomised up to twice this) so connections are renewed now and then.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Keeps an <see cref="ObjectCache{T}"/> equal to the server: lists (in pages), then watches from the list's
/// resourceVersion with bookmarks, resuming from the last resourceVersion seen whenever a watch ends or fails.
/// A 410 (history compacted) means list again; the difference to the cache is delivered as adds, updates and
/// deletes. Connection failures (a server restart) are retried with exponential backoff and jitter.
/// </summary>
public sealed partial class Informer<T> : IInformer where T : class, IKubeObject
{
    private readonly ResourceClient<T> _client;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly RuntimeMetrics? _metrics;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _handlersLock = new();
    private IResourceEventHandler<T>[] _handlers = [];
    private long _watchRestarts;

    /// <summary>An informer over <paramref name="client"/>.</summary>
    public Informer(ResourceClient<T> client, InformerOptions? options = null, ILogger? logger = null, RuntimeMetrics? metrics = null)
    {
        _client = client;
        _options = options ?? new InformerOptions();
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
    }

    /// <inheritdoc />
    public ResourceType Resource => _client.Type;

    /// <summary>The local copy.</summary>
    public ObjectCache<T> Cache { get; } = new();

    /// <inheritdoc />
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the cache reflects.</summary>
    public string? LastResourceVersion { get; private set; }

    /// <inheritdoc />
    public long WatchRestarts => Interlocked.Read(ref _watchRestarts);

    /// <inheritdoc />
    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    /// <summary>
    /// Registers a handler. When the cache is already filled, the handler first gets an add for every cached
    /// object. Dispose the result to unregister.
    /// </summary>
    public IDisposable AddHandler(IResourceEventHandler<T> handler)
    {
        lock (_handlersLock)
        {
            // Under the lock the loop cannot deliver, so the replay and later changes do not interleave.
            _handlers = [.. _handlers, handler];
            if (HasSynced)
            {
                foreach (var obj in Cache.List()) handler.OnAdd(obj);
            }
        }
        return new Registration(this, handler);
    }

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = _options.InitialBackoff;
        string? rv = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (rv is null)
                {
                    var list = await _client.ListAllAsync(_options.Namespace, new ListOptions { LabelSelector = _options.LabelSelector }, _options.PageSize, ct).ConfigureAwait(false);
                    Replace(list.Items);
                    rv = list.ResourceVersion;
                    LastResourceVersion = rv;
                    _synced.TrySetResult();
                }
                var timeout = (int)(_options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
                var options = new ListOptions { LabelSelector = _options.LabelSelector, ResourceVersion = rv, AllowWatchBookmarks = true, TimeoutSeconds = Math.Max(1, timeout) };
                await foreach (var change in _client.WatchAsync(_options.Namespace, options, ct).ConfigureAwait(false))
                {
                    Apply(change);
                    rv = change.ResourceVersion.Length > 0 ? change.ResourceVersion : rv;
                    LastResourceVersion = rv;
                    backoff = _options.InitialBackoff;
                }
                Restarted();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (ApiStatusException e) when (e.IsGone)
            {
                LogRelist(_logger, _client.Type.ToString(), e.Status.Message ?? "");
                rv = null;
                Restarted();
            }
            catch (Exception e)
            {
                LogWatchFailed(_logger, _client.Type.ToString(), backoff, e.Message);
                Restarted();
                try
                {
                    await Task.Delay(backoff * (0.5 + Random.Shared.NextDouble() / 2), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    private void Restarted()
    {
        Interlocked.Increment(ref _watchRestarts);
        _metrics?.WatchRestarts.Inc(_client.Type.ToString());
    }

    private void Apply(WatchEvent<T> change)
    {
        switch (change.Type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                var obj = change.Object!;
                var old = Cache.Upsert(obj);
                if (old is null) Deliver(h => h.OnAdd(obj));
                else if (old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion) Deliver(h => h.OnUpdate(old, obj));
                break;
            case WatchEventType.Deleted:
                var last = change.Object!;
                Cache.Remove(ObjectCache<T>.KeyOf(last));
                Deliver(h => h.OnDelete(last));
                break;
        }
    }

    private void Replace(IReadOnlyList<T> items)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var obj in items)
        {
            seen.Add(ObjectCache<T>.KeyOf(obj));
            var old = Cache.Upsert(obj);
            if (old is null) Deliver(h => h.OnAdd(obj));
            else if (old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion) Deliver(h => h.OnUpdate(old, obj));
        }
        foreach (var key in Cache.Keys())
        {
            if (seen.Contains(key)) continue;
            if (Cache.Remove(key) is { } removed) Deliver(h => h.OnDelete(removed));
        }
    }

    private void Deliver(Action<IResourceEventHandler<T>> action)
    {
        lock (_handlersLock)
        {
            foreach (var handler in _handlers)
            {
                try
                {
                    action(handler);
                }
                catch (Exception e)
                {
                    LogHandlerFailed(_logger, _client.Type.ToString(), e);
                }
            }
        }
    }

    private sealed class Registration(Informer<T> owner, IResourceEventHandler<T> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._handlersLock) owner._handlers = [.. owner._handlers.Where(h => !ReferenceEquals(h, handler))];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource}: watch history is gone, listing again ({Reason})")]
    private static partial void LogRelist(ILogger logger, string resource, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource}: list/watch failed, retrying in about {Backoff}: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string resource, TimeSpan backoff, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource}: an event handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, string resource, Exception exception);
}

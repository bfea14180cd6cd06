using System.Text.Json.Serialization.Metadata;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Runtime.Informers;

/// <summary>
/// One informer per kind for one control plane, shared by every controller that asks: a kind is listed and watched
/// once however many controllers use it. Informers asked for after <see cref="Start"/> start at once.
/// </summary>
public sealed class SharedInformers : IAsyncDisposable
{
    private readonly KubeClient _client;
    private readonly InformerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly RuntimeMetrics? _metrics;
    private readonly Lock _lock = new();
    private readonly Dictionary<(ResourceType, Type), IInformer> _informers = [];
    private readonly List<Task> _running = [];
    private CancellationTokenSource? _stop;

    /// <summary>Informers for the plane of <paramref name="client"/>.</summary>
    public SharedInformers(KubeClient client, InformerOptions? options = null, ILoggerFactory? loggers = null, RuntimeMetrics? metrics = null)
    {
        _client = client;
        _options = options ?? new InformerOptions();
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _metrics = metrics;
    }

    /// <summary>The control plane.</summary>
    public string Cluster => _client.Cluster;

    /// <summary>The client informers use.</summary>
    public KubeClient Client => _client;

    /// <summary>The informer of a typed kind.</summary>
    public Informer<T> For<T>() where T : class, IKubeObject<T> => For(T.Resource, T.JsonTypeInfo);

    /// <summary>The informer of any kind, unstructured.</summary>
    public Informer<Unstructured> For(ResourceType type) => For(type, RuntimeJsonContext.Default.Unstructured);

    /// <summary>The informer of a kind with an explicit JSON contract.</summary>
    public Informer<T> For<T>(ResourceType type, JsonTypeInfo<T> typeInfo) where T : class, IKubeObject
    {
        lock (_lock)
        {
            if (_informers.TryGetValue((type, typeof(T)), out var existing)) return (Informer<T>)existing;
            var informer = new Informer<T>(_client.Resource(type, typeInfo), _options, _loggers.CreateLogger($"Datum.Runtime.Informer.{type}"), _metrics);
            _informers[(type, typeof(T))] = informer;
            if (_stop is not null) _running.Add(Task.Run(() => informer.RunAsync(_stop.Token)));
            return informer;
        }
    }

    /// <summary>Every informer created so far.</summary>
    public IReadOnlyList<IInformer> All()
    {
        lock (_lock) return [.. _informers.Values];
    }

    /// <summary>Starts every informer (and those created later) until <see cref="StopAsync"/>.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_stop is not null) return;
            _stop = new CancellationTokenSource();
            foreach (var informer in _informers.Values) _running.Add(Task.Run(() => informer.RunAsync(_stop.Token)));
        }
    }

    /// <summary>Completes when every informer created so far has synced.</summary>
    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(All().Select(i => i.WaitForSyncAsync(ct)));

    /// <summary>Stops every informer and waits for them.</summary>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_lock)
        {
            _stop?.Cancel();
            running = [.. _running];
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop?.Dispose();
    }
}

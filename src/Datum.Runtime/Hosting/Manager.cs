using System.Collections.Concurrent;
using System.Net;
using Datum.Runtime.Client;
using Datum.Runtime.Clusters;
using Datum.Runtime.Informers;
using Datum.Runtime.Leader;
using Datum.Runtime.Metrics;
using Datum.Runtime.Reconcile;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Runtime.Hosting;

/// <summary>How a <see cref="Manager"/> runs.</summary>
public sealed record ManagerOptions
{
    /// <summary>Leader election; null runs the controllers unconditionally (one process only, e.g. <c>datum up</c>).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>Where to serve <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> over plain HTTP (port 0 picks one); null for none.</summary>
    public IPEndPoint? MetricsEndpoint { get; init; }

    /// <summary>How long a graceful stop waits for running reconciles before cancelling them.</summary>
    public TimeSpan GracefulShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Which control planes to engage; default: only the plane of the manager's client.</summary>
    public IClusterProvider? ClusterProvider { get; init; }

    /// <summary>Options of every informer.</summary>
    public InformerOptions? Informers { get; init; }

    /// <summary>Logging.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>The clock (queues, resync, leader election).</summary>
    public TimeProvider? Time { get; init; }
}

/// <summary>
/// Hosts controllers: engages each control plane (one informer set per plane, shared by every controller), waits for
/// the caches, then, if it leads (or without leader election), runs the controllers. Serves metrics and health. On
/// stop, no new reconcile starts, running ones finish (up to <see cref="ManagerOptions.GracefulShutdownTimeout"/>),
/// the lease is released, then informers stop. If leadership is lost, reconciles are cancelled at once and nothing
/// new starts; the manager then campaigns again.
/// </summary>
public sealed partial class Manager : IClusterAware
{
    private readonly ManagerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<Controller> _controllers = [];
    private readonly ConcurrentDictionary<string, EngagedCluster> _clusters = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MetricsServer? _metricsServer;
    private bool _started;

    /// <summary>A manager whose default plane is the one <paramref name="client"/> talks to.</summary>
    public Manager(KubeClient client, ManagerOptions? options = null)
    {
        Client = client;
        _options = options ?? new ManagerOptions();
        _loggers = _options.Loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Datum.Runtime.Manager");
        _time = _options.Time ?? TimeProvider.System;
        Metrics = new RuntimeMetrics(new MetricsRegistry());
        if (_options.LeaderElection is { } election)
        {
            Elector = new LeaderElector(client, election, _time, _loggers.CreateLogger("Datum.Runtime.LeaderElection"));
            Elector.LeadershipChanged += leading => Metrics.IsLeader.Set(leading ? 1 : 0, election.Name);
        }
    }

    /// <summary>The client of the default plane (uncached).</summary>
    public KubeClient Client { get; }

    /// <summary>The runtime's metrics.</summary>
    public RuntimeMetrics Metrics { get; }

    /// <summary>The elector, when leader election is on.</summary>
    public LeaderElector? Elector { get; }

    /// <summary>Whether controllers may run: leading, or no leader election.</summary>
    public bool IsLeader => Elector?.IsLeader ?? _started;

    /// <summary>True once the default plane's caches have synced.</summary>
    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>The metrics endpoint's base URL once started, when one was asked for.</summary>
    public Uri? MetricsUrl => _metricsServer?.Url;

    /// <summary>The controllers added so far.</summary>
    public IReadOnlyList<Controller> Controllers => _controllers;

    /// <summary>Planes engaged now.</summary>
    public IReadOnlyCollection<ICluster> Clusters => [.. _clusters.Values];

    /// <summary>An engaged plane by name (reconcilers: <c>manager.GetCluster(request.Cluster)</c>).</summary>
    public ICluster GetCluster(string name) =>
        _clusters.TryGetValue(name, out var cluster) ? cluster : throw new InvalidOperationException($"control plane {name} is not engaged");

    /// <summary>The informers of the default plane (valid once started).</summary>
    public SharedInformers Informers => GetCluster(Client.Cluster).Informers;

    /// <summary>Starts building a controller.</summary>
    public ControllerBuilder NewController() => new(this);

    /// <summary>Completes when the default plane's caches have synced.</summary>
    public Task WaitForReadyAsync(CancellationToken ct) => _ready.Task.WaitAsync(ct);

    internal Controller CreateController(string name, IReconciler reconciler, ControllerOptions options, WatchSpec primary, IReadOnlyList<WatchSpec> watches)
    {
        if (_started) throw new InvalidOperationException("controllers must be added before the manager starts");
        if (_controllers.Any(c => c.Name == name)) throw new InvalidOperationException($"a controller named {name} already exists; use Named()");
        var controller = new Controller(name, reconciler, options, primary, watches, Metrics, _loggers.CreateLogger($"Datum.Runtime.Controller.{name}"), _time);
        _controllers.Add(controller);
        return controller;
    }

    /// <summary>Runs until <paramref name="ct"/> is cancelled, then stops gracefully; returns when stopped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (_started) throw new InvalidOperationException("a manager runs once");
        _started = true;
        if (_options.MetricsEndpoint is { } endpoint) _metricsServer = new MetricsServer(endpoint, Serve);
        using var planes = new CancellationTokenSource();
        var provider = (_options.ClusterProvider ?? new SingleClusterProvider(Client)).RunAsync(this, planes.Token);
        try
        {
            await Task.WhenAny(_ready.Task, provider).WaitAsync(ct).ConfigureAwait(false);
            if (Elector is not null) await Elector.RunAsync(lead => RunControllersAsync(lead, ct), ct).ConfigureAwait(false);
            else await RunControllersAsync(ct, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await planes.CancelAsync().ConfigureAwait(false);
            await provider.ConfigureAwait(false);
            foreach (var name in _clusters.Keys) await DisengageAsync(name).ConfigureAwait(false);
            if (_metricsServer is not null) await _metricsServer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunControllersAsync(CancellationToken stop, CancellationToken shutdown)
    {
        using var abort = new CancellationTokenSource();
        using var registration = stop.Register(() =>
        {
            // Lost leadership: cancel at once. Shutting down: let running reconciles finish, up to the timeout.
            if (shutdown.IsCancellationRequested) abort.CancelAfter(_options.GracefulShutdownTimeout);
            else abort.Cancel();
        });
        LogStarting(_logger, _controllers.Count);
        await Task.WhenAll(_controllers.Select(c => c.RunAsync(stop, abort.Token))).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task EngageAsync(string name, KubeClient client, CancellationToken ct)
    {
        var informers = new SharedInformers(client, _options.Informers, _loggers, Metrics);
        var cluster = new EngagedCluster(name, client, informers);
        if (!_clusters.TryAdd(name, cluster)) throw new InvalidOperationException($"control plane {name} is already engaged");
        foreach (var controller in _controllers) controller.Engage(cluster);
        informers.Start();
        await informers.WaitForSyncAsync(ct).ConfigureAwait(false);
        LogEngaged(_logger, name);
        if (name == Client.Cluster) _ready.TrySetResult();
    }

    /// <inheritdoc />
    public async Task DisengageAsync(string name)
    {
        if (!_clusters.TryRemove(name, out var cluster)) return;
        foreach (var controller in _controllers) controller.Disengage(name);
        await cluster.Informers.DisposeAsync().ConfigureAwait(false);
    }

    private (int, string, string) Serve(string path) => path switch
    {
        "/metrics" => (200, "text/plain; version=0.0.4; charset=utf-8", Metrics.Registry.Render()),
        "/healthz" or "/livez" => (200, "text/plain", "ok\n"),
        "/readyz" => IsReady ? (200, "text/plain", "ok\n") : (503, "text/plain", "caches not synced\n"),
        _ => (404, "text/plain", "not found\n"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "starting {Count} controllers")]
    private static partial void LogStarting(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "control plane {Name} engaged; caches synced")]
    private static partial void LogEngaged(ILogger logger, string name);
}

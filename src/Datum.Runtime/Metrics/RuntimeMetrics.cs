namespace Datum.Runtime.Metrics;

/// <summary>The metrics the runtime records, in one <see cref="MetricsRegistry"/>.</summary>
public sealed class RuntimeMetrics
{
    /// <summary>Registers the runtime's families in <paramref name="registry"/>.</summary>
    public RuntimeMetrics(MetricsRegistry registry)
    {
        Registry = registry;
        ReconcileTotal = registry.Counter("datum_controller_reconcile_total", "Reconciles by controller and result (success, error, requeue, requeue_after, terminal).", "controller", "result");
        ReconcileErrors = registry.Counter("datum_controller_reconcile_errors_total", "Reconciles that threw, by controller.", "controller");
        ReconcileTime = registry.Histogram("datum_controller_reconcile_time_seconds", "How long reconciles took, by controller.", HistogramFamily.LatencyBuckets, "controller");
        ActiveWorkers = registry.Gauge("datum_controller_active_workers", "Reconciles running now, by controller.", "controller");
        QueueDepth = registry.Gauge("datum_workqueue_depth", "Items waiting in a controller's queue.", "name");
        WatchRestarts = registry.Counter("datum_informer_watch_restarts_total", "Watches an informer had to open again (stream ended, error, relist), by resource.", "resource");
        IsLeader = registry.Gauge("datum_leader_election_master_status", "1 while this process holds the lease.", "name");
    }

    /// <summary>The registry underneath.</summary>
    public MetricsRegistry Registry { get; }

    /// <summary>datum_controller_reconcile_total{controller,result}.</summary>
    public CounterFamily ReconcileTotal { get; }

    /// <summary>datum_controller_reconcile_errors_total{controller}.</summary>
    public CounterFamily ReconcileErrors { get; }

    /// <summary>datum_controller_reconcile_time_seconds{controller}.</summary>
    public HistogramFamily ReconcileTime { get; }

    /// <summary>datum_controller_active_workers{controller}.</summary>
    public GaugeFamily ActiveWorkers { get; }

    /// <summary>datum_workqueue_depth{name}.</summary>
    public GaugeFamily QueueDepth { get; }

    /// <summary>datum_informer_watch_restarts_total{resource}.</summary>
    public CounterFamily WatchRestarts { get; }

    /// <summary>datum_leader_election_master_status{name}.</summary>
    public GaugeFamily IsLeader { get; }
}

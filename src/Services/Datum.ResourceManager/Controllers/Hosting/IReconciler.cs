namespace Datum.ResourceManager.Controllers.Hosting;

/// <summary>
/// A level-triggered reconciler: reads the world for one object, makes it converge, and is safe to run again at any
/// time. An exception means "retry with backoff"; <see cref="ReconcileResult.RequeueAfter"/> asks for another look.
/// This is the seam the controllers keep when they move onto Datum.Runtime's reconciler host.
/// </summary>
internal interface IReconciler
{
    /// <summary>Reconciles the object <paramref name="request"/> names (it may be gone).</summary>
    Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken);
}

/// <summary>Which object to look at: its control plane (storage cluster), namespace and name.</summary>
internal sealed record ReconcileRequest(string Cluster, string? Namespace, string Name);

/// <summary>What a reconcile asks for next.</summary>
internal sealed record ReconcileResult(TimeSpan? RequeueAfter = null)
{
    /// <summary>Nothing more to do until something changes.</summary>
    public static ReconcileResult Done { get; } = new();
}

/// <summary>A storage prefix to watch and how its changes map to requests.</summary>
internal sealed record WatchSource(string Prefix, Func<string, byte[], IEnumerable<ReconcileRequest>> Map);

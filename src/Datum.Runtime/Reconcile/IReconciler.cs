namespace Datum.Runtime.Reconcile;

/// <summary>
/// Makes the world match one object's intent. Level-triggered: the request names the object, not what happened
/// to it, so a reconciler reads everything it needs and must be safe to run again at any time. An exception means
/// "retry with backoff"; <see cref="TerminalException"/> means "do not retry until the object changes".
/// </summary>
public interface IReconciler
{
    /// <summary>Reconciles the object named by <paramref name="request"/> (which may no longer exist).</summary>
    Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct);
}

/// <summary>Which object to reconcile: its control plane, namespace (null when cluster-scoped) and name.</summary>
public readonly record struct ReconcileRequest(string Cluster, string? Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Cluster}:{(Namespace is null ? "" : Namespace + "/")}{Name}";
}

/// <summary>What a successful reconcile asks for next. Build with <see cref="Done"/>, <see cref="Requeue"/> or <see cref="RequeueAfter"/>.</summary>
public readonly record struct ReconcileResult
{
    private ReconcileResult(bool requeue, TimeSpan after)
    {
        IsRequeue = requeue;
        After = after;
    }

    /// <summary>Nothing more until something changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Again soon, with the item's backoff (for "not ready yet, keep checking").</summary>
    public static ReconcileResult Requeue() => new(true, TimeSpan.Zero);

    /// <summary>Again after <paramref name="delay"/> (backoff is reset).</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay) =>
        delay > TimeSpan.Zero ? new(true, delay) : throw new ArgumentOutOfRangeException(nameof(delay), "the delay must be positive");

    /// <summary>Whether the object is queued again.</summary>
    public bool IsRequeue { get; }

    /// <summary>The delay of <see cref="RequeueAfter"/>; zero for <see cref="Requeue"/>.</summary>
    public TimeSpan After { get; }
}

/// <summary>A failure retrying cannot fix (bad spec): logged and counted, not retried until the object changes.</summary>
public class TerminalException : Exception
{
    /// <summary>A terminal failure.</summary>
    public TerminalException(string message) : base(message)
    {
    }

    /// <summary>A terminal failure caused by <paramref name="inner"/>.</summary>
    public TerminalException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>A terminal failure.</summary>
    public TerminalException()
    {
    }
}

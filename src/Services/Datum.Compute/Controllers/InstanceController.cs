using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Controllers;

/// <summary>
/// Instance readiness (the reference's InstanceReconciler): scheduling gates present →
/// <c>Ready=False/SchedulingGatesPresent</c>; else <c>Programmed</c> not True (or not for the current template) → its
/// reason (default <c>PendingProgramming</c>); else <c>Running</c> not True → its reason (default <c>Pending</c>); else
/// <c>Ready=True/Running</c>. <c>Programmed</c> and <c>Running</c> are written by the location's provider.
/// A new schedulable instance is the provider's first: its status is derived only if the provider has not written one
/// within <see cref="ProviderGrace"/> (a provider that reports quickly, like the simulated one, writes <c>Ready</c> with
/// its first report, and a second writer at that moment would only cost a write and a conflict).
/// </summary>
internal sealed class InstanceController(Manager manager) : IReconciler
{
    /// <summary>How long a new instance waits for its provider's first report before Ready is derived without it.</summary>
    public static readonly TimeSpan ProviderGrace = TimeSpan.FromSeconds(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Cluster, string Uid), byte> _waiting = new();

    public static Controller Setup(Manager manager, int workers = 8) => manager.NewController()
        .For<InstanceObject>()
        .Named("instance")
        .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
        .Complete(new InstanceController(manager));

    internal static (bool Ready, string Reason, string Message) Derive(InstanceObject instance)
    {
        if (instance.Spec.Controller?.SchedulingGates is { Count: > 0 } gates)
        {
            return (false, "SchedulingGatesPresent", "Scheduling gates present: " + string.Join(", ", gates.Select(g => g.Name)));
        }
        var programmed = ComputeStatus.Get(instance.Status, ComputeConditions.Programmed);
        if (programmed?.Status != ConditionStatus.True)
        {
            return (false, string.IsNullOrEmpty(programmed?.Reason) ? "PendingProgramming" : programmed.Reason, programmed?.Message is { Length: > 0 } m ? m : "waiting for the location's provider to program the instance");
        }
        if (instance.Status?.Controller?.ObservedTemplateHash != instance.Spec.Controller?.TemplateHash)
        {
            return (false, "ProgrammingInProgress", $"the provider has not programmed template {instance.Spec.Controller?.TemplateHash} yet");
        }
        var running = ComputeStatus.Get(instance.Status, ComputeConditions.Running);
        if (running?.Status != ConditionStatus.True)
        {
            return (false, string.IsNullOrEmpty(running?.Reason) ? "Pending" : running.Reason, running?.Message is { Length: > 0 } rm ? rm : "waiting for the instance to run");
        }
        return (true, "Running", "Instance is ready");
    }

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cached = manager.GetCluster(request.Cluster).Informers.For<InstanceObject>().Cache.Get(request.Namespace, request.Name);
        if (cached is null || Finalizers.IsBeingDeleted(cached)) return ReconcileResult.Done;
        var (ready, reason, message) = Derive(cached);
        var current = ComputeStatus.Get(cached.Status, ComputeConditions.Ready);
        var waiting = (request.Cluster, cached.Metadata.Uid ?? "");
        if (current is null && !ComputeStatus.Gated(cached) && _waiting.TryAdd(waiting, 0)) return ReconcileResult.RequeueAfter(ProviderGrace);
        _waiting.TryRemove(waiting, out _);
        if (current is not null && current.Status == (ready ? ConditionStatus.True : ConditionStatus.False) && current.Reason == reason
            && current.Message == message && current.ObservedGeneration == cached.Metadata.Generation)
        {
            return ReconcileResult.Done;
        }
        var api = manager.GetCluster(request.Cluster).Client.Resource<InstanceObject>();
        await ObjectOperations.UpdateStatusAsync(api, request.Namespace, request.Name, i =>
        {
            var (r, why, text) = Derive(i);
            return ComputeStatus.Set(i.Status ??= new InstanceStatus(), i, ComputeConditions.Ready, r, why, text);
        }, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }
}

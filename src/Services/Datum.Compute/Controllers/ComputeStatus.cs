using System.Text;
using System.Text.Json;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Controllers;

/// <summary>
/// Passes instance changes a deployment acts on: creation, deletion, a new generation or deletion timestamp, and a
/// change of whether the instance is Ready, programmed from its current template, or failing (and why). An instance
/// is written five or six times on its way to Ready; its deployment needs to hear of two of them.
/// </summary>
internal sealed class InstanceStateChanged : IEventFilter
{
    public static InstanceStateChanged Instance { get; } = new();

    public bool Update(IKubeObject oldObj, IKubeObject newObj) =>
        oldObj is not InstanceObject o || newObj is not InstanceObject n
        || o.Metadata.Generation != n.Metadata.Generation || o.Metadata.DeletionTimestamp != n.Metadata.DeletionTimestamp
        || ComputeStatus.IsReady(o) != ComputeStatus.IsReady(n) || ComputeStatus.IsCurrent(o) != ComputeStatus.IsCurrent(n)
        || ComputeStatus.Failure(o) is var fo && ComputeStatus.Failure(n) is var fn && (fo?.Reason, fo?.Message) != (fn?.Reason, fn?.Message);
}

/// <summary>
/// Passes interface-claim changes an instance acts on: creation, deletion, a new generation or deletion timestamp, and
/// a change of the claim's <c>Bound</c> or <c>Allocated</c> condition. The claim's mirror of its interface's readiness
/// (one of its two status writes) is not among them.
/// </summary>
internal sealed class ClaimStateChanged : IEventFilter
{
    public static ClaimStateChanged Instance { get; } = new();

    public bool Update(IKubeObject oldObj, IKubeObject newObj) =>
        oldObj is not NetworkInterfaceClaimObject o || newObj is not NetworkInterfaceClaimObject n
        || o.Metadata.Generation != n.Metadata.Generation || o.Metadata.DeletionTimestamp != n.Metadata.DeletionTimestamp
        || ComputeStatus.Get(o.Status, NetworkingConditions.Bound) != ComputeStatus.Get(n.Status, NetworkingConditions.Bound)
        || ComputeStatus.Get(o.Status, NetworkingConditions.Allocated) != ComputeStatus.Get(n.Status, NetworkingConditions.Allocated);
}

/// <summary>Condition helpers and the instance facts every compute controller agrees on.</summary>
internal static class ComputeStatus
{
    /// <summary>Sets a condition; true when anything changed.</summary>
    public static bool Set(ConditionsStatus status, IKubeObject obj, string type, bool? value, string reason, string message)
    {
        status.Conditions ??= [];
        return Conditions.Set(status.Conditions, new Condition
        {
            Type = type,
            Status = value switch { true => ConditionStatus.True, false => ConditionStatus.False, null => ConditionStatus.Unknown },
            Reason = reason,
            Message = message,
            ObservedGeneration = obj.Metadata.Generation,
        });
    }

    /// <summary>
    /// What of the conditions must reach readers at once (type, status, reason, observed generation), leaving out the
    /// messages, which carry counters: see <see cref="StatusThrottle"/>.
    /// </summary>
    public static string Significant(IEnumerable<Condition>? conditions) =>
        conditions is null ? "" : string.Join(";", conditions.Select(c => $"{c.Type}={c.Status}/{c.Reason}@{c.ObservedGeneration}"));

    /// <summary>The condition of a type, or null.</summary>
    public static Condition? Get(ConditionsStatus? status, string type) => Conditions.Find(status?.Conditions, type);

    /// <summary>FNV-32a over the template's JSON, as 8 hex digits (the reference's template hash).</summary>
    public static string TemplateHash(InstanceTemplate template)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(template, ComputeJsonContext.Default.InstanceTemplate);
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether the instance still waits behind scheduling gates.</summary>
    public static bool Gated(InstanceObject instance) => instance.Spec.Controller?.SchedulingGates is { Count: > 0 };

    /// <summary>
    /// Ready as the deployment counts it: <c>Ready=True</c> computed for the current generation, and the provider has
    /// programmed the current template. A just-updated instance is therefore never counted Ready by a stale condition.
    /// </summary>
    public static bool IsReady(InstanceObject instance)
    {
        var ready = Get(instance.Status, ComputeConditions.Ready);
        return ready is { Status: ConditionStatus.True } && ready.ObservedGeneration == instance.Metadata.Generation && IsCurrent(instance);
    }

    /// <summary>Programmed from its current template hash.</summary>
    public static bool IsCurrent(InstanceObject instance) =>
        instance.Spec.Controller is { } c && instance.Status?.Controller?.ObservedTemplateHash == c.TemplateHash &&
        Get(instance.Status, ComputeConditions.Programmed)?.Status == ConditionStatus.True;

    /// <summary>A not-ready instance whose reason is a failure (not one of the transient states), or null.</summary>
    public static Condition? Failure(InstanceObject instance)
    {
        var ready = Get(instance.Status, ComputeConditions.Ready);
        return ready is { Status: ConditionStatus.False } && !ComputeConditions.TransientReasons.Contains(ready.Reason) ? ready : null;
    }

    /// <summary>Compact message list: "a, b, c and 3 more".</summary>
    public static string List(IReadOnlyCollection<string> items, int max = 5)
    {
        var sb = new StringBuilder(string.Join(", ", items.Take(max)));
        if (items.Count > max) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $" and {items.Count - max} more");
        return sb.ToString();
    }
}

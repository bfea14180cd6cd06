using Datum.Runtime.Api;

namespace Datum.Runtime.Reconcile;

/// <summary>metav1.Condition rules for a status's condition list.</summary>
public static class Conditions
{
    /// <summary>
    /// Sets a condition by type. <c>lastTransitionTime</c> changes only when the status changes (new conditions get
    /// <paramref name="time"/>'s now); reason, message and observedGeneration are always taken from
    /// <paramref name="condition"/>. Returns whether anything changed.
    /// </summary>
    public static bool Set(List<Condition> conditions, Condition condition, TimeProvider? time = null)
    {
        var now = KubeTimeConverter.Truncate((time ?? TimeProvider.System).GetUtcNow());
        var existing = conditions.FindIndex(c => c.Type == condition.Type);
        if (existing < 0)
        {
            conditions.Add(condition with { LastTransitionTime = condition.LastTransitionTime == default ? now : condition.LastTransitionTime });
            return true;
        }
        var current = conditions[existing];
        var next = condition with
        {
            LastTransitionTime = current.Status == condition.Status ? current.LastTransitionTime
                : condition.LastTransitionTime == default ? now : condition.LastTransitionTime,
        };
        if (next == current) return false;
        conditions[existing] = next;
        return true;
    }

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static Condition? Find(IEnumerable<Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Whether the condition of <paramref name="type"/> is True.</summary>
    public static bool IsTrue(IEnumerable<Condition>? conditions, string type) => Find(conditions, type)?.Status == ConditionStatus.True;

    /// <summary>Removes the condition of <paramref name="type"/>; returns whether it was there.</summary>
    public static bool Remove(List<Condition> conditions, string type) => conditions.RemoveAll(c => c.Type == type) > 0;
}

using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>Condition helpers: every condition carries the generation it was computed from.</summary>
internal static class Status
{
    /// <summary>Sets a condition on <paramref name="status"/>; true when anything changed.</summary>
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

    /// <summary>The condition of a type, or null.</summary>
    public static Condition? Get(ConditionsStatus? status, string type) => Conditions.Find(status?.Conditions, type);

    /// <summary>Whether the condition is True.</summary>
    public static bool IsTrue(ConditionsStatus? status, string type) => Conditions.IsTrue(status?.Conditions, type);
}

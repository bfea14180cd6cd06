using System.Text.Json.Serialization;

namespace Datum.Runtime.Api;

/// <summary>
/// metav1.Condition. Use <see cref="Reconcile.Conditions.Set"/> to change one: it keeps
/// <see cref="LastTransitionTime"/> when the status does not change.
/// </summary>
public sealed record Condition
{
    /// <summary>type, e.g. <c>Ready</c> (UpperCamelCase).</summary>
    [JsonPropertyName("type")] public required string Type { get; set; }

    /// <summary>status: <c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")] public required string Status { get; set; }

    /// <summary>The <c>metadata.generation</c> the condition was computed from.</summary>
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }

    /// <summary>When <see cref="Status"/> last changed.</summary>
    [JsonPropertyName("lastTransitionTime"), JsonConverter(typeof(KubeTimeConverter))] public DateTimeOffset LastTransitionTime { get; set; }

    /// <summary>reason (UpperCamelCase, machine-readable).</summary>
    [JsonPropertyName("reason")] public string Reason { get; set; } = "";

    /// <summary>message (for people).</summary>
    [JsonPropertyName("message")] public string Message { get; set; } = "";
}

/// <summary>Values of <see cref="Condition.Status"/>.</summary>
public static class ConditionStatus
{
    /// <summary>True.</summary>
    public const string True = "True";

    /// <summary>False.</summary>
    public const string False = "False";

    /// <summary>Unknown.</summary>
    public const string Unknown = "Unknown";
}

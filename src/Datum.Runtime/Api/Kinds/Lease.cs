using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Datum.Runtime.Api.Kinds;

/// <summary>coordination.k8s.io/v1 Lease.</summary>
public sealed record Lease : IKubeObject<Lease>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new("coordination.k8s.io", "v1", "Lease", "leases", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<Lease> JsonTypeInfo => RuntimeJsonContext.Default.Lease;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "coordination.k8s.io/v1";

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Lease";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public LeaseSpec Spec { get; set; } = new();
}

/// <summary>coordination.k8s.io/v1 LeaseSpec.</summary>
public sealed record LeaseSpec
{
    /// <summary>holderIdentity; empty or null when released.</summary>
    [JsonPropertyName("holderIdentity")] public string? HolderIdentity { get; set; }

    /// <summary>leaseDurationSeconds.</summary>
    [JsonPropertyName("leaseDurationSeconds")] public int? LeaseDurationSeconds { get; set; }

    /// <summary>acquireTime.</summary>
    [JsonPropertyName("acquireTime"), JsonConverter(typeof(KubeMicroTimeConverter))] public DateTimeOffset? AcquireTime { get; set; }

    /// <summary>renewTime.</summary>
    [JsonPropertyName("renewTime"), JsonConverter(typeof(KubeMicroTimeConverter))] public DateTimeOffset? RenewTime { get; set; }

    /// <summary>leaseTransitions.</summary>
    [JsonPropertyName("leaseTransitions")] public int? LeaseTransitions { get; set; }
}

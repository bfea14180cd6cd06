using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Datum.Runtime.Api.Kinds;

/// <summary>core/v1 Namespace.</summary>
public sealed record Namespace : IKubeObject<Namespace>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new("", "v1", "Namespace", "namespaces", Namespaced: false);

    /// <inheritdoc />
    public static JsonTypeInfo<Namespace> JsonTypeInfo => RuntimeJsonContext.Default.Namespace;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Namespace";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public NamespaceSpec? Spec { get; set; }

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public NamespaceStatus? Status { get; set; }
}

/// <summary>core/v1 NamespaceSpec.</summary>
public sealed record NamespaceSpec
{
    /// <summary>finalizers.</summary>
    [JsonPropertyName("finalizers")] public List<string>? Finalizers { get; set; }
}

/// <summary>core/v1 NamespaceStatus.</summary>
public sealed record NamespaceStatus
{
    /// <summary>phase: Active or Terminating.</summary>
    [JsonPropertyName("phase")] public string? Phase { get; set; }
}

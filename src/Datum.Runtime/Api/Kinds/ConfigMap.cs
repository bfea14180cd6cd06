using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Datum.Runtime.Api.Kinds;

/// <summary>core/v1 ConfigMap.</summary>
public sealed record ConfigMap : IKubeObject<ConfigMap>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new("", "v1", "ConfigMap", "configmaps", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<ConfigMap> JsonTypeInfo => RuntimeJsonContext.Default.ConfigMap;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "ConfigMap";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>data.</summary>
    [JsonPropertyName("data")] public Dictionary<string, string>? Data { get; set; }

    /// <summary>binaryData (base64).</summary>
    [JsonPropertyName("binaryData")] public Dictionary<string, string>? BinaryData { get; set; }

    /// <summary>immutable.</summary>
    [JsonPropertyName("immutable")] public bool? Immutable { get; set; }
}

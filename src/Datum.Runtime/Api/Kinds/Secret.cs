using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Datum.Runtime.Api.Kinds;

/// <summary>core/v1 Secret.</summary>
public sealed record Secret : IKubeObject<Secret>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new("", "v1", "Secret", "secrets", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<Secret> JsonTypeInfo => RuntimeJsonContext.Default.Secret;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Secret";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>data (base64 values).</summary>
    [JsonPropertyName("data")] public Dictionary<string, string>? Data { get; set; }

    /// <summary>stringData (write-only plain values).</summary>
    [JsonPropertyName("stringData")] public Dictionary<string, string>? StringData { get; set; }

    /// <summary>type.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }
}

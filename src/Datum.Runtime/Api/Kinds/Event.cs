using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Datum.Runtime.Api.Kinds;

/// <summary>core/v1 Event.</summary>
public sealed record Event : IKubeObject<Event>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new("", "v1", "Event", "events", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<Event> JsonTypeInfo => RuntimeJsonContext.Default.Event;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Event";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>involvedObject.</summary>
    [JsonPropertyName("involvedObject")] public ObjectReference InvolvedObject { get; set; } = new();

    /// <summary>reason (UpperCamelCase, machine-readable).</summary>
    [JsonPropertyName("reason")] public string? Reason { get; set; }

    /// <summary>message (for people).</summary>
    [JsonPropertyName("message")] public string? Message { get; set; }

    /// <summary>type: Normal or Warning.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>count of occurrences.</summary>
    [JsonPropertyName("count")] public int? Count { get; set; }

    /// <summary>firstTimestamp.</summary>
    [JsonPropertyName("firstTimestamp"), JsonConverter(typeof(KubeTimeConverter))] public DateTimeOffset? FirstTimestamp { get; set; }

    /// <summary>lastTimestamp.</summary>
    [JsonPropertyName("lastTimestamp"), JsonConverter(typeof(KubeTimeConverter))] public DateTimeOffset? LastTimestamp { get; set; }

    /// <summary>source.</summary>
    [JsonPropertyName("source")] public EventSource? Source { get; set; }

    /// <summary>reportingComponent.</summary>
    [JsonPropertyName("reportingComponent")] public string? ReportingComponent { get; set; }

    /// <summary>reportingInstance.</summary>
    [JsonPropertyName("reportingInstance")] public string? ReportingInstance { get; set; }
}

/// <summary>core/v1 ObjectReference.</summary>
public sealed record ObjectReference
{
    /// <summary>apiVersion.</summary>
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }

    /// <summary>kind.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>uid.</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }

    /// <summary>resourceVersion.</summary>
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
}

/// <summary>core/v1 EventSource.</summary>
public sealed record EventSource
{
    /// <summary>component.</summary>
    [JsonPropertyName("component")] public string? Component { get; set; }

    /// <summary>host.</summary>
    [JsonPropertyName("host")] public string? Host { get; set; }
}

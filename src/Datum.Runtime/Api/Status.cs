using System.Text.Json.Serialization;

namespace Datum.Runtime.Api;

/// <summary>metav1.Status, the body of every API error.</summary>
public sealed record Status
{
    /// <summary>HTTP code.</summary>
    [JsonPropertyName("code")] public int Code { get; set; }

    /// <summary>reason, e.g. <c>NotFound</c>, <c>Conflict</c>, <c>Expired</c>.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; set; }

    /// <summary>message.</summary>
    [JsonPropertyName("message")] public string? Message { get; set; }
}

/// <summary>metav1.DeleteOptions (the parts a client sends).</summary>
public sealed record DeleteOptions
{
    /// <summary>kind.</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "DeleteOptions";

    /// <summary>apiVersion.</summary>
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "v1";

    /// <summary>Preconditions: the delete fails with 409 unless they hold.</summary>
    [JsonPropertyName("preconditions")] public DeletePreconditions? Preconditions { get; set; }

    /// <summary>propagationPolicy: <c>Background</c>, <c>Foreground</c> or <c>Orphan</c>.</summary>
    [JsonPropertyName("propagationPolicy")] public string? PropagationPolicy { get; set; }

    /// <summary>dryRun (<c>["All"]</c>).</summary>
    [JsonPropertyName("dryRun")] public List<string>? DryRun { get; set; }
}

/// <summary>metav1.Preconditions.</summary>
public sealed record DeletePreconditions
{
    /// <summary>The object's uid must be this.</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }

    /// <summary>The object's resourceVersion must be this.</summary>
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
}

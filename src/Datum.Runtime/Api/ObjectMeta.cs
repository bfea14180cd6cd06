using System.Text.Json.Serialization;

namespace Datum.Runtime.Api;

/// <summary>metav1.ObjectMeta. Mutable: reconcilers change labels, finalizers and owner references in place.</summary>
public sealed record ObjectMeta
{
    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>generateName.</summary>
    [JsonPropertyName("generateName")] public string? GenerateName { get; set; }

    /// <summary>namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>uid (server-assigned).</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }

    /// <summary>resourceVersion (server-assigned; an update's optimistic-concurrency precondition).</summary>
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }

    /// <summary>generation (grows with every change of intent).</summary>
    [JsonPropertyName("generation")] public long? Generation { get; set; }

    /// <summary>creationTimestamp.</summary>
    [JsonPropertyName("creationTimestamp")] public string? CreationTimestamp { get; set; }

    /// <summary>deletionTimestamp: set while finalizers hold a deletion.</summary>
    [JsonPropertyName("deletionTimestamp")] public string? DeletionTimestamp { get; set; }

    /// <summary>deletionGracePeriodSeconds.</summary>
    [JsonPropertyName("deletionGracePeriodSeconds")] public long? DeletionGracePeriodSeconds { get; set; }

    /// <summary>labels.</summary>
    [JsonPropertyName("labels")] public Dictionary<string, string>? Labels { get; set; }

    /// <summary>annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>finalizers.</summary>
    [JsonPropertyName("finalizers")] public List<string>? Finalizers { get; set; }

    /// <summary>ownerReferences.</summary>
    [JsonPropertyName("ownerReferences")] public List<OwnerReference>? OwnerReferences { get; set; }
}

/// <summary>metav1.OwnerReference.</summary>
public sealed record OwnerReference
{
    /// <summary>apiVersion of the owner.</summary>
    [JsonPropertyName("apiVersion")] public required string ApiVersion { get; set; }

    /// <summary>kind of the owner.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; set; }

    /// <summary>name of the owner.</summary>
    [JsonPropertyName("name")] public required string Name { get; set; }

    /// <summary>uid of the owner.</summary>
    [JsonPropertyName("uid")] public required string Uid { get; set; }

    /// <summary>Whether the owner is the managing controller.</summary>
    [JsonPropertyName("controller")] public bool? Controller { get; set; }

    /// <summary>blockOwnerDeletion.</summary>
    [JsonPropertyName("blockOwnerDeletion")] public bool? BlockOwnerDeletion { get; set; }
}

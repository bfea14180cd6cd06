using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;

namespace Datum.Compute.Apis.Compute.V1Alpha.Types;

// Typed views of the compute kinds for controllers. The server's schema (the ResourceDefinitions next door) is the
// source of truth; the parts controllers only copy (runtime, volumes, policies) stay JSON.

/// <summary>Workload.</summary>
public sealed record WorkloadObject : IKubeObject<WorkloadObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(ComputeNames.Group, ComputeNames.Version, "Workload", "workloads", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<WorkloadObject> JsonTypeInfo => ComputeJsonContext.Default.WorkloadObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = ComputeNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Workload";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public WorkloadSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public WorkloadStatus? Status { get; set; }
}

/// <summary>WorkloadSpec.</summary>
public sealed record WorkloadSpec
{
    /// <summary>template.</summary>
    [JsonPropertyName("template")] public InstanceTemplate Template { get; set; } = new();

    /// <summary>placements.</summary>
    [JsonPropertyName("placements")] public List<Placement> Placements { get; set; } = [];
}

/// <summary>Placement.</summary>
public sealed record Placement
{
    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>cityCodes.</summary>
    [JsonPropertyName("cityCodes")] public List<string> CityCodes { get; set; } = [];

    /// <summary>scaleSettings.</summary>
    [JsonPropertyName("scaleSettings")] public ScaleSettings ScaleSettings { get; set; } = new();
}

/// <summary>ScaleSettings.</summary>
public sealed record ScaleSettings
{
    /// <summary>minReplicas.</summary>
    [JsonPropertyName("minReplicas")] public int MinReplicas { get; set; }

    /// <summary>maxReplicas.</summary>
    [JsonPropertyName("maxReplicas")] public int? MaxReplicas { get; set; }

    /// <summary>metrics.</summary>
    [JsonPropertyName("metrics")] public JsonArray? Metrics { get; set; }

    /// <summary>instanceManagementPolicy.</summary>
    [JsonPropertyName("instanceManagementPolicy")] public string? InstanceManagementPolicy { get; set; }
}

/// <summary>InstanceTemplate.</summary>
public sealed record InstanceTemplate
{
    /// <summary>metadata.</summary>
    [JsonPropertyName("metadata")] public TemplateMeta? Metadata { get; set; }

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public InstanceSpec Spec { get; set; } = new();
}

/// <summary>TemplateMeta.</summary>
public sealed record TemplateMeta
{
    /// <summary>labels.</summary>
    [JsonPropertyName("labels")] public Dictionary<string, string>? Labels { get; set; }

    /// <summary>annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>InstanceSpec.</summary>
public sealed record InstanceSpec
{
    /// <summary>runtime.</summary>
    [JsonPropertyName("runtime")] public JsonObject? Runtime { get; set; }

    /// <summary>networkInterfaces.</summary>
    [JsonPropertyName("networkInterfaces")] public List<NetworkInterface> NetworkInterfaces { get; set; } = [];

    /// <summary>volumes.</summary>
    [JsonPropertyName("volumes")] public JsonArray? Volumes { get; set; }

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef? Location { get; set; }

    /// <summary>controller.</summary>
    [JsonPropertyName("controller")] public InstanceControl? Controller { get; set; }
}

/// <summary>NetworkInterface.</summary>
public sealed record NetworkInterface
{
    /// <summary>network.</summary>
    [JsonPropertyName("network")] public NameRef Network { get; set; } = new();

    /// <summary>networkPolicy.</summary>
    [JsonPropertyName("networkPolicy")] public JsonObject? NetworkPolicy { get; set; }
}

/// <summary>InstanceControl.</summary>
public sealed record InstanceControl
{
    /// <summary>templateHash.</summary>
    [JsonPropertyName("templateHash")] public string TemplateHash { get; set; } = "";

    /// <summary>schedulingGates.</summary>
    [JsonPropertyName("schedulingGates")] public List<NameRef>? SchedulingGates { get; set; }
}

/// <summary>Replica counters shared by workloads, placements and deployments.</summary>
public record ReplicaStatus : ConditionsStatus
{
    /// <summary>replicas.</summary>
    [JsonPropertyName("replicas")] public int Replicas { get; set; }

    /// <summary>currentReplicas.</summary>
    [JsonPropertyName("currentReplicas")] public int CurrentReplicas { get; set; }

    /// <summary>desiredReplicas.</summary>
    [JsonPropertyName("desiredReplicas")] public int DesiredReplicas { get; set; }

    /// <summary>readyReplicas.</summary>
    [JsonPropertyName("readyReplicas")] public int ReadyReplicas { get; set; }
}

/// <summary>WorkloadStatus.</summary>
public sealed record WorkloadStatus : ReplicaStatus
{
    /// <summary>deployments.</summary>
    [JsonPropertyName("deployments")] public int Deployments { get; set; }

    /// <summary>placements.</summary>
    [JsonPropertyName("placements")] public List<PlacementStatus>? Placements { get; set; }
}

/// <summary>PlacementStatus.</summary>
public sealed record PlacementStatus : ReplicaStatus
{
    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>deployments.</summary>
    [JsonPropertyName("deployments")] public int Deployments { get; set; }
}

/// <summary>WorkloadDeploymentStatus.</summary>
public sealed record WorkloadDeploymentStatus : ReplicaStatus
{
    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef? Location { get; set; }
}

/// <summary>WorkloadDeployment.</summary>
public sealed record WorkloadDeploymentObject : IKubeObject<WorkloadDeploymentObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(ComputeNames.Group, ComputeNames.Version, "WorkloadDeployment", "workloaddeployments", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<WorkloadDeploymentObject> JsonTypeInfo => ComputeJsonContext.Default.WorkloadDeploymentObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = ComputeNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "WorkloadDeployment";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public WorkloadDeploymentSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public WorkloadDeploymentStatus? Status { get; set; }
}

/// <summary>WorkloadDeploymentSpec.</summary>
public sealed record WorkloadDeploymentSpec
{
    /// <summary>workloadRef.</summary>
    [JsonPropertyName("workloadRef")] public WorkloadRef WorkloadRef { get; set; } = new();

    /// <summary>placementName.</summary>
    [JsonPropertyName("placementName")] public string PlacementName { get; set; } = "";

    /// <summary>cityCode.</summary>
    [JsonPropertyName("cityCode")] public string CityCode { get; set; } = "";

    /// <summary>template.</summary>
    [JsonPropertyName("template")] public InstanceTemplate Template { get; set; } = new();

    /// <summary>scaleSettings.</summary>
    [JsonPropertyName("scaleSettings")] public ScaleSettings ScaleSettings { get; set; } = new();
}

/// <summary>WorkloadRef.</summary>
public sealed record WorkloadRef
{
    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>uid.</summary>
    [JsonPropertyName("uid")] public string Uid { get; set; } = "";
}

/// <summary>Instance.</summary>
public sealed record InstanceObject : IKubeObject<InstanceObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(ComputeNames.Group, ComputeNames.Version, "Instance", "instances", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<InstanceObject> JsonTypeInfo => ComputeJsonContext.Default.InstanceObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = ComputeNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Instance";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public InstanceSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public InstanceStatus? Status { get; set; }
}

/// <summary>InstanceStatus.</summary>
public sealed record InstanceStatus : ConditionsStatus
{
    /// <summary>networkInterfaces.</summary>
    [JsonPropertyName("networkInterfaces")] public List<InterfaceStatus>? NetworkInterfaces { get; set; }

    /// <summary>controller.</summary>
    [JsonPropertyName("controller")] public ObservedControl? Controller { get; set; }
}

/// <summary>InterfaceStatus.</summary>
public sealed record InterfaceStatus
{
    /// <summary>assignments.</summary>
    [JsonPropertyName("assignments")] public Assignments? Assignments { get; set; }
}

/// <summary>Assignments.</summary>
public sealed record Assignments
{
    /// <summary>networkIP.</summary>
    [JsonPropertyName("networkIP")] public string? NetworkIP { get; set; }

    /// <summary>externalIP.</summary>
    [JsonPropertyName("externalIP")] public string? ExternalIP { get; set; }
}

/// <summary>ObservedControl.</summary>
public sealed record ObservedControl
{
    /// <summary>observedTemplateHash.</summary>
    [JsonPropertyName("observedTemplateHash")] public string? ObservedTemplateHash { get; set; }
}

/// <summary>Source-generated JSON contracts of the typed compute kinds.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkloadObject))]
[JsonSerializable(typeof(WorkloadDeploymentObject))]
[JsonSerializable(typeof(InstanceObject))]
[JsonSerializable(typeof(InstanceTemplate))]
public sealed partial class ComputeJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Datum.Runtime.Api;

namespace Datum.Networking.Apis.Networking.V1Alpha.Types;

// Typed views of NetworkInterfaceClaim and NetworkInterface (the schema in NetworkInterface.cs is the source of truth).

/// <summary>An address request of a claim.</summary>
public sealed record AddressRequest
{
    /// <summary>class.</summary>
    [JsonPropertyName("class")] public string? Class { get; set; }
}

/// <summary>An allocated address.</summary>
public sealed record InterfaceAddress
{
    /// <summary>family.</summary>
    [JsonPropertyName("family")] public string Family { get; set; } = "";

    /// <summary>address.</summary>
    [JsonPropertyName("address")] public string Address { get; set; } = "";

    /// <summary>prefixLength.</summary>
    [JsonPropertyName("prefixLength")] public int? PrefixLength { get; set; }

    /// <summary>gateway.</summary>
    [JsonPropertyName("gateway")] public string? Gateway { get; set; }

    /// <summary>primary.</summary>
    [JsonPropertyName("primary")] public bool? Primary { get; set; }

    /// <summary>class.</summary>
    [JsonPropertyName("class")] public string? Class { get; set; }
}

/// <summary>An external address.</summary>
public sealed record ExternalAddress
{
    /// <summary>family.</summary>
    [JsonPropertyName("family")] public string? Family { get; set; }

    /// <summary>address.</summary>
    [JsonPropertyName("address")] public string? Address { get; set; }
}

/// <summary>A claim reference.</summary>
public sealed record ClaimRef
{
    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>uid.</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }
}

/// <summary>NetworkInterfaceClaim spec.</summary>
public sealed record NetworkInterfaceClaimSpec
{
    /// <summary>network.</summary>
    [JsonPropertyName("network")] public NameRef Network { get; set; } = new();

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef Location { get; set; } = new();

    /// <summary>interfaceName (default eth0).</summary>
    [JsonPropertyName("interfaceName")] public string? InterfaceName { get; set; }

    /// <summary>attachmentMode (Netns or Hypervisor; default Netns).</summary>
    [JsonPropertyName("attachmentMode")] public string? AttachmentMode { get; set; }

    /// <summary>addresses.</summary>
    [JsonPropertyName("addresses")] public List<AddressRequest>? Addresses { get; set; }

    /// <summary>ipFamilies (default: the network's).</summary>
    [JsonPropertyName("ipFamilies")] public List<string>? IpFamilies { get; set; }

    /// <summary>reclaimPolicy (Delete or Retain; default Delete).</summary>
    [JsonPropertyName("reclaimPolicy")] public string? ReclaimPolicy { get; set; }
}

/// <summary>NetworkInterfaceClaim status.</summary>
public sealed record NetworkInterfaceClaimStatus : ConditionsStatus
{
    /// <summary>phase.</summary>
    [JsonPropertyName("phase")] public string? Phase { get; set; }

    /// <summary>networkInterfaceRef.</summary>
    [JsonPropertyName("networkInterfaceRef")] public NameRef? NetworkInterfaceRef { get; set; }

    /// <summary>addresses.</summary>
    [JsonPropertyName("addresses")] public List<InterfaceAddress>? Addresses { get; set; }
}

/// <summary>NetworkInterfaceClaim.</summary>
public sealed record NetworkInterfaceClaimObject : IKubeObject<NetworkInterfaceClaimObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "NetworkInterfaceClaim", "networkinterfaceclaims", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<NetworkInterfaceClaimObject> JsonTypeInfo => NetworkingInterfaceJsonContext.Default.NetworkInterfaceClaimObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "NetworkInterfaceClaim";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public NetworkInterfaceClaimSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public NetworkInterfaceClaimStatus? Status { get; set; }
}

/// <summary>NetworkInterface spec.</summary>
public sealed record NetworkInterfaceSpec
{
    /// <summary>network.</summary>
    [JsonPropertyName("network")] public NameRef Network { get; set; } = new();

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef Location { get; set; } = new();

    /// <summary>networkContext.</summary>
    [JsonPropertyName("networkContext")] public NameRef? NetworkContext { get; set; }

    /// <summary>interfaceName.</summary>
    [JsonPropertyName("interfaceName")] public string? InterfaceName { get; set; }

    /// <summary>attachmentMode.</summary>
    [JsonPropertyName("attachmentMode")] public string? AttachmentMode { get; set; }

    /// <summary>claimRef.</summary>
    [JsonPropertyName("claimRef")] public ClaimRef? ClaimRef { get; set; }

    /// <summary>addresses.</summary>
    [JsonPropertyName("addresses")] public List<InterfaceAddress>? Addresses { get; set; }

    /// <summary>externalAddresses.</summary>
    [JsonPropertyName("externalAddresses")] public List<ExternalAddress>? ExternalAddresses { get; set; }

    /// <summary>reclaimPolicy.</summary>
    [JsonPropertyName("reclaimPolicy")] public string? ReclaimPolicy { get; set; }
}

/// <summary>NetworkInterface status.</summary>
public sealed record NetworkInterfaceStatus : ConditionsStatus
{
    /// <summary>phase (Available or Bound).</summary>
    [JsonPropertyName("phase")] public string? Phase { get; set; }
}

/// <summary>NetworkInterface.</summary>
public sealed record NetworkInterfaceObject : IKubeObject<NetworkInterfaceObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "NetworkInterface", "networkinterfaces", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<NetworkInterfaceObject> JsonTypeInfo => NetworkingInterfaceJsonContext.Default.NetworkInterfaceObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "NetworkInterface";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public NetworkInterfaceSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public NetworkInterfaceStatus? Status { get; set; }
}

/// <summary>Source-generated JSON contracts of the interface kinds.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NetworkInterfaceClaimObject))]
[JsonSerializable(typeof(NetworkInterfaceObject))]
[JsonSerializable(typeof(NetworkInterfaceClaimStatus))]
public sealed partial class NetworkingInterfaceJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Datum.Runtime.Api;

namespace Datum.Networking.Apis.Networking.V1Alpha.Types;

// Typed views of the networking kinds for controllers (Datum.Runtime clients and informers). The server's schema
// (the ResourceDefinitions next door) is the source of truth; these carry the fields controllers use.

/// <summary>A reference by name (and optional namespace).</summary>
public sealed record NameRef
{
    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>A status with conditions.</summary>
public record ConditionsStatus
{
    /// <summary>conditions.</summary>
    [JsonPropertyName("conditions")] public List<Condition>? Conditions { get; set; }
}

/// <summary>Location.</summary>
public sealed record LocationObject : IKubeObject<LocationObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "Location", "locations", Namespaced: false);

    /// <inheritdoc />
    public static JsonTypeInfo<LocationObject> JsonTypeInfo => NetworkingJsonContext.Default.LocationObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Location";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public LocationSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public ConditionsStatus? Status { get; set; }
}

/// <summary>Location spec.</summary>
public sealed record LocationSpec
{
    /// <summary>locationClassName.</summary>
    [JsonPropertyName("locationClassName")] public string LocationClassName { get; set; } = "";

    /// <summary>topology.</summary>
    [JsonPropertyName("topology")] public Dictionary<string, string> Topology { get; set; } = [];

    /// <summary>provider.</summary>
    [JsonPropertyName("provider")] public LocationProvider? Provider { get; set; }
}

/// <summary>Location provider.</summary>
public sealed record LocationProvider
{
    /// <summary>simulated.</summary>
    [JsonPropertyName("simulated")] public SimulatedProvider? Simulated { get; set; }
}

/// <summary>A simulated location.</summary>
public sealed record SimulatedProvider
{
    /// <summary>region.</summary>
    [JsonPropertyName("region")] public string? Region { get; set; }
}

/// <summary>Network.</summary>
public sealed record NetworkObject : IKubeObject<NetworkObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "Network", "networks", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<NetworkObject> JsonTypeInfo => NetworkingJsonContext.Default.NetworkObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Network";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public NetworkSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public NetworkStatus? Status { get; set; }
}

/// <summary>Network spec.</summary>
public sealed record NetworkSpec
{
    /// <summary>ipam.</summary>
    [JsonPropertyName("ipam")] public NetworkIpam Ipam { get; set; } = new();

    /// <summary>ipFamilies.</summary>
    [JsonPropertyName("ipFamilies")] public List<string>? IpFamilies { get; set; }

    /// <summary>mtu.</summary>
    [JsonPropertyName("mtu")] public int? Mtu { get; set; }
}

/// <summary>Network ipam.</summary>
public sealed record NetworkIpam
{
    /// <summary>mode.</summary>
    [JsonPropertyName("mode")] public string? Mode { get; set; }

    /// <summary>ipv4Range.</summary>
    [JsonPropertyName("ipv4Range")] public string? Ipv4Range { get; set; }

    /// <summary>ipv6Range.</summary>
    [JsonPropertyName("ipv6Range")] public string? Ipv6Range { get; set; }
}

/// <summary>Network status.</summary>
public sealed record NetworkStatus : ConditionsStatus
{
    /// <summary>ipam.</summary>
    [JsonPropertyName("ipam")] public NetworkStatusIpam? Ipam { get; set; }
}

/// <summary>Network status ipam.</summary>
public sealed record NetworkStatusIpam
{
    /// <summary>ipv4Range.</summary>
    [JsonPropertyName("ipv4Range")] public string? Ipv4Range { get; set; }

    /// <summary>ipv6Prefix.</summary>
    [JsonPropertyName("ipv6Prefix")] public string? Ipv6Prefix { get; set; }
}

/// <summary>NetworkBinding.</summary>
public sealed record NetworkBindingObject : IKubeObject<NetworkBindingObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "NetworkBinding", "networkbindings", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<NetworkBindingObject> JsonTypeInfo => NetworkingJsonContext.Default.NetworkBindingObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "NetworkBinding";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public NetworkBindingSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public NetworkBindingStatus? Status { get; set; }
}

/// <summary>NetworkBinding spec.</summary>
public sealed record NetworkBindingSpec
{
    /// <summary>network.</summary>
    [JsonPropertyName("network")] public NameRef Network { get; set; } = new();

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef Location { get; set; } = new();
}

/// <summary>NetworkBinding status.</summary>
public sealed record NetworkBindingStatus : ConditionsStatus
{
    /// <summary>networkContextRef.</summary>
    [JsonPropertyName("networkContextRef")] public NameRef? NetworkContextRef { get; set; }
}

/// <summary>NetworkContext.</summary>
public sealed record NetworkContextObject : IKubeObject<NetworkContextObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "NetworkContext", "networkcontexts", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<NetworkContextObject> JsonTypeInfo => NetworkingJsonContext.Default.NetworkContextObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "NetworkContext";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public NetworkContextSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public ConditionsStatus? Status { get; set; }
}

/// <summary>NetworkContext spec.</summary>
public sealed record NetworkContextSpec
{
    /// <summary>network.</summary>
    [JsonPropertyName("network")] public NameRef Network { get; set; } = new();

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef Location { get; set; } = new();

    /// <summary>ipFamilies.</summary>
    [JsonPropertyName("ipFamilies")] public List<string>? IpFamilies { get; set; }

    /// <summary>mtu.</summary>
    [JsonPropertyName("mtu")] public int? Mtu { get; set; }

    /// <summary>networkGeneration.</summary>
    [JsonPropertyName("networkGeneration")] public long? NetworkGeneration { get; set; }
}

/// <summary>SubnetClaim or Subnet spec.</summary>
public sealed record SubnetSpec
{
    /// <summary>subnetClass.</summary>
    [JsonPropertyName("subnetClass")] public string SubnetClass { get; set; } = "";

    /// <summary>networkContext.</summary>
    [JsonPropertyName("networkContext")] public NameRef NetworkContext { get; set; } = new();

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public NameRef Location { get; set; } = new();

    /// <summary>ipFamily.</summary>
    [JsonPropertyName("ipFamily")] public string IpFamily { get; set; } = "";

    /// <summary>startAddress.</summary>
    [JsonPropertyName("startAddress")] public string? StartAddress { get; set; }

    /// <summary>prefixLength.</summary>
    [JsonPropertyName("prefixLength")] public int? PrefixLength { get; set; }
}

/// <summary>SubnetClaim or Subnet status.</summary>
public sealed record SubnetStatus : ConditionsStatus
{
    /// <summary>subnetRef (claims only).</summary>
    [JsonPropertyName("subnetRef")] public NameRef? SubnetRef { get; set; }

    /// <summary>startAddress.</summary>
    [JsonPropertyName("startAddress")] public string? StartAddress { get; set; }

    /// <summary>prefixLength.</summary>
    [JsonPropertyName("prefixLength")] public int? PrefixLength { get; set; }
}

/// <summary>SubnetClaim.</summary>
public sealed record SubnetClaimObject : IKubeObject<SubnetClaimObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "SubnetClaim", "subnetclaims", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<SubnetClaimObject> JsonTypeInfo => NetworkingJsonContext.Default.SubnetClaimObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "SubnetClaim";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public SubnetSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public SubnetStatus? Status { get; set; }
}

/// <summary>Subnet.</summary>
public sealed record SubnetObject : IKubeObject<SubnetObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "Subnet", "subnets", Namespaced: true);

    /// <inheritdoc />
    public static JsonTypeInfo<SubnetObject> JsonTypeInfo => NetworkingJsonContext.Default.SubnetObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Subnet";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public SubnetSpec Spec { get; set; } = new();

    /// <summary>status.</summary>
    [JsonPropertyName("status")] public SubnetStatus? Status { get; set; }
}

/// <summary>IPAllocation (record or ledger).</summary>
public sealed record IPAllocationObject : IKubeObject<IPAllocationObject>
{
    /// <inheritdoc />
    public static ResourceType Resource { get; } = new(NetworkingNames.Group, NetworkingNames.Version, "IPAllocation", "ipallocations", Namespaced: false);

    /// <inheritdoc />
    public static JsonTypeInfo<IPAllocationObject> JsonTypeInfo => NetworkingJsonContext.Default.IPAllocationObject;

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = NetworkingNames.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "IPAllocation";

    /// <inheritdoc />
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec.</summary>
    [JsonPropertyName("spec")] public IPAllocationSpec Spec { get; set; } = new();
}

/// <summary>IPAllocation spec.</summary>
public sealed record IPAllocationSpec
{
    /// <summary>range.</summary>
    [JsonPropertyName("range")] public string? Range { get; set; }

    /// <summary>prefix (records).</summary>
    [JsonPropertyName("prefix")] public string? Prefix { get; set; }

    /// <summary>owner (records).</summary>
    [JsonPropertyName("owner")] public AllocationOwner? Owner { get; set; }

    /// <summary>allocations (ledgers).</summary>
    [JsonPropertyName("allocations")] public List<LedgerEntry>? Allocations { get; set; }

    /// <summary>pool (address blocks).</summary>
    [JsonPropertyName("pool")] public string? Pool { get; set; }

    /// <summary>addresses (address blocks).</summary>
    [JsonPropertyName("addresses")] public List<BlockEntry>? Addresses { get; set; }
}

/// <summary>One address held in a block.</summary>
public sealed record BlockEntry
{
    /// <summary>address.</summary>
    [JsonPropertyName("address")] public string Address { get; set; } = "";

    /// <summary>owner.</summary>
    [JsonPropertyName("owner")] public string Owner { get; set; } = "";
}

/// <summary>Who holds a record.</summary>
public sealed record AllocationOwner
{
    /// <summary>cluster.</summary>
    [JsonPropertyName("cluster")] public string? Cluster { get; set; }

    /// <summary>kind.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    /// <summary>namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>uid.</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }
}

/// <summary>One subnet in a ledger.</summary>
public sealed record LedgerEntry
{
    /// <summary>prefix.</summary>
    [JsonPropertyName("prefix")] public string Prefix { get; set; } = "";

    /// <summary>namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>claim.</summary>
    [JsonPropertyName("claim")] public string? Claim { get; set; }

    /// <summary>uid.</summary>
    [JsonPropertyName("uid")] public string Uid { get; set; } = "";

    /// <summary>location.</summary>
    [JsonPropertyName("location")] public string? Location { get; set; }
}

/// <summary>Source-generated JSON contracts of the typed networking kinds.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LocationObject))]
[JsonSerializable(typeof(NetworkObject))]
[JsonSerializable(typeof(NetworkBindingObject))]
[JsonSerializable(typeof(NetworkContextObject))]
[JsonSerializable(typeof(SubnetClaimObject))]
[JsonSerializable(typeof(SubnetObject))]
[JsonSerializable(typeof(IPAllocationObject))]
public sealed partial class NetworkingJsonContext : JsonSerializerContext;

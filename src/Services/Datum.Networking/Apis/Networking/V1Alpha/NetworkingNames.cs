namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>Names of the <c>networking.datumapis.com</c> group: labels, finalizers, conditions, defaults.</summary>
public static class NetworkingNames
{
    /// <summary>The API group.</summary>
    public const string Group = "networking.datumapis.com";

    /// <summary>The version served (v1alpha, not v1alpha1, as Datum's network services operator).</summary>
    public const string Version = "v1alpha";

    /// <summary><c>networking.datumapis.com/v1alpha</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Label naming the network (on bindings, contexts, subnets).</summary>
    public const string NetworkLabel = "networking.datumapis.com/network";

    /// <summary>Label naming the location (on bindings, contexts, subnets).</summary>
    public const string LocationLabel = "networking.datumapis.com/location";

    /// <summary>Label carrying the network's uid.</summary>
    public const string NetworkUidLabel = "networking.datumapis.com/network-uid";

    /// <summary>Label on a Subnet naming the uid of the claim it was allocated for.</summary>
    public const string ClaimUidLabel = "networking.datumapis.com/subnet-claim-uid";

    /// <summary>Label on a NetworkInterface (and the context subnets' claims) naming the uid of the NetworkInterfaceClaim it was allocated for.</summary>
    public const string InterfaceClaimUidLabel = "networking.datumapis.com/network-interface-claim-uid";

    /// <summary>Label on the SubnetClaims the interface controller makes for a context's interface addresses: the context's name.</summary>
    public const string InterfaceSubnetLabel = "networking.datumapis.com/interface-subnet-for";

    /// <summary>The interface claim controller's finalizer: deletion deletes (or retains) the interface.</summary>
    public const string InterfaceClaimFinalizer = "networking.datumapis.com/networkinterfaceclaim-controller";

    /// <summary>The IPAM finalizer of a NetworkInterface: its addresses return to their blocks when it goes.</summary>
    public const string InterfaceIpamFinalizer = "networking.datumapis.com/networkinterface-ipam-release";

    /// <summary>The city-code topology key of a Location.</summary>
    public const string CityCodeTopologyKey = "topology.datum.net/city-code";

    /// <summary>The network controller's finalizer: deletion waits for the network's contexts and releases its ranges.</summary>
    public const string NetworkFinalizer = "networking.datumapis.com/network-controller";

    /// <summary>The subnet claim controller's finalizer: deletion deletes the subnet and releases the prefix.</summary>
    public const string SubnetClaimFinalizer = "networking.datumapis.com/subnetclaim-controller";

    /// <summary>The IPAM finalizer of a Subnet: its prefix returns to the pool when it goes.</summary>
    public const string SubnetIpamFinalizer = "networking.datumapis.com/subnet-ipam-release";

    /// <summary>The default IPv4 range of a network.</summary>
    public const string DefaultIpv4Range = "10.128.0.0/9";

    /// <summary>The platform's ULA pool that every network's IPv6 /48 comes from.</summary>
    public const string Ipv6Pool = "fd20::/20";

    /// <summary>The default MTU.</summary>
    public const int DefaultMtu = 1460;

    /// <summary>Smallest MTU.</summary>
    public const int MinMtu = 1300;

    /// <summary>Largest MTU.</summary>
    public const int MaxMtu = 8856;

    /// <summary>Default IPv4 subnet size per network context.</summary>
    public const int DefaultIpv4SubnetPrefix = 20;

    /// <summary>IPv6 subnet size (out of the network's /48).</summary>
    public const int Ipv6SubnetPrefix = 64;

    /// <summary>
    /// The SubnetClaim the interface controller makes (on first need) for the addresses of a context's interfaces in
    /// one family: <c>{context}-ipv4</c> / <c>{context}-ipv6</c>, owned by the context.
    /// </summary>
    public static string InterfaceSubnetName(string context, string family) => $"{context}-{family.ToLowerInvariant()}";

    /// <summary>The name of the NetworkContext of a network in a location.</summary>
    public static string ContextName(string network, string location) => $"{network}-{location}";
}

/// <summary>Condition types and reasons of the networking kinds.</summary>
public static class NetworkingConditions
{
    /// <summary>Ready.</summary>
    public const string Ready = "Ready";

    /// <summary>Programmed (owned by the infrastructure provider).</summary>
    public const string Programmed = "Programmed";

    /// <summary>Allocated (IPAM).</summary>
    public const string Allocated = "Allocated";

    /// <summary>Bound (a NetworkInterfaceClaim has its NetworkInterface).</summary>
    public const string Bound = "Bound";

    /// <summary>Prepared (the network is ready for the interface in its location: context and subnets Ready).</summary>
    public const string Prepared = "Prepared";

    /// <summary>IPAMAllocated (a network's ranges).</summary>
    public const string IpamAllocated = "IPAMAllocated";
}

using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>
/// <c>ipallocations.networking.datumapis.com</c> (Datum's own, not in NSO): the IPAM's durable state. Two shapes:
/// a <b>record</b> whose name is the prefix it holds (<c>spec.prefix</c>), created only if absent so the store
/// guarantees that no prefix of that size is handed out twice (a network's IPv6 /48 in the platform, interface
/// addresses); and a <b>ledger</b> per network (<c>spec.allocations</c>) updated with compare-and-swap, for subnets of
/// any size; and an address <b>block</b> (<c>{pool}.{block}</c>, a /26 or /122 of a Subnet, <c>spec.addresses</c>)
/// updated with compare-and-swap, for interface addresses. Written only by the IPAM; people read them to see what is
/// allocated.
/// </summary>
public static class IPAllocation
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "IPAllocation", Plural = "ipallocations",
        Namespaced = false,
        Categories = ["networking"],
        Schema = CommonSchemas.TopLevel(
            "IPAllocation is durable IPAM state: one allocated prefix (a record) or a network's subnet ledger.",
            ("spec", Object("IPAllocationSpec.",
                ("range", String("The range the prefixes come from.")),
                ("prefix", String("A record: the one prefix this object holds.")),
                ("owner", Object("Who holds the record.",
                    ("cluster", String("The owner's control plane.")),
                    ("kind", String("The owner's kind.")),
                    ("namespace", String("The owner's namespace.")),
                    ("name", String("The owner's name.")),
                    ("uid", String("The owner's uid.")))),
                ("allocations", Array(Object("One subnet of a ledger.",
                    ("prefix", String("The prefix.")),
                    ("namespace", String("The claim's namespace.")),
                    ("claim", String("The claim's name.")),
                    ("uid", String("The claim's uid.")),
                    ("location", String("The location."))), "A ledger: every allocated subnet of the network.")),
                ("pool", String("A block: the address pool (a Subnet's uid) the block belongs to.")),
                ("addresses", Array(Object("One address held in a block.",
                    ("address", String("The address.")),
                    ("owner", String("The holder's uid (a NetworkInterfaceClaim's)."))), "A block: the addresses held in it."))))),
        PrinterColumns =
        [
            new PrinterColumn("Range", "string", ".spec.range"),
            new PrinterColumn("Prefix", "string", ".spec.prefix"),
            new PrinterColumn("Owner", "string", ".spec.owner.name"),
            PrinterColumn.Count("Allocations", "Subnets in a ledger, addresses in a block.", "spec") with
            {
                Compute = o => (o["spec"]?["allocations"] as System.Text.Json.Nodes.JsonArray ?? o["spec"]?["addresses"] as System.Text.Json.Nodes.JsonArray)?.Count ?? 0,
            },
        ],
    };
}

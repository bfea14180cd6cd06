using System.Text.Json.Nodes;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>
/// <c>networkcontexts.networking.datumapis.com</c>: a network's presence in one location, created by the binding
/// controller as <c>{network}-{location}</c> and programmed by the location's provider.
/// </summary>
public static class NetworkContext
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "NetworkContext", Plural = "networkcontexts",
        Namespaced = true,
        Categories = ["datum", "networking"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "NetworkContext is a network's presence in a location.",
            ("spec", Object("NetworkContextSpec is the desired state of a NetworkContext.",
                ("network", NetworkingSchemas.LocalReference("The network (same namespace).")),
                ("location", NetworkingSchemas.LocationReference),
                ("ipFamilies", Array(NetworkingSchemas.IpFamily("A family."), "Projected from the network.")),
                ("mtu", Int32("Projected from the network.")),
                ("networkGeneration", Integer("The network's generation the projection was taken from."))).WithRequired("network", "location")),
            ("status", Object("NetworkContextStatus is the observed state of a NetworkContext.",
                ("conditions", NetworkingSchemas.Conditions("Programmed (set by the provider) and Ready."))))),
        Strategy = new ContextStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Network", "string", ".spec.network.name"),
            new PrinterColumn("Location", "string", ".spec.location.name"),
            new PrinterColumn("Programmed", "string", NetworkingSchemas.ConditionColumn(NetworkingConditions.Programmed)),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
            new PrinterColumn("MTU", "integer", ".spec.mtu", Priority: 1),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Programmed\")].reason", Priority: 1),
        ],
    };

    private sealed class ContextStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");
    }
}

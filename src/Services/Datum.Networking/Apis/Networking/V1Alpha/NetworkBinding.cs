using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>
/// <c>networkbindings.networking.datumapis.com</c>: "this network is needed in this location". Bindings to the same
/// network and location share one NetworkContext <c>{network}-{location}</c>, which lives while any binding needs it.
/// </summary>
public static class NetworkBinding
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "NetworkBinding", Plural = "networkbindings",
        Namespaced = true,
        Categories = ["datum", "networking"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "NetworkBinding asks for a network's presence in a location.",
            ("spec", Object("NetworkBindingSpec is the desired state of a NetworkBinding.",
                ("network", Object("The network.",
                    ("namespace", String("The network's namespace (default: the binding's).")),
                    ("name", String("The network's name."))).WithRequired("name")),
                ("location", NetworkingSchemas.LocationReference),
                ("consumer", Object("Informational: what needs the binding.",
                    ("apiGroup", String("The consumer's API group.")),
                    ("kind", String("The consumer's kind.")),
                    ("name", String("The consumer's name."))))).WithRequired("network", "location")),
            ("status", Object("NetworkBindingStatus is the observed state of a NetworkBinding.",
                ("networkContextRef", Object("The NetworkContext serving this binding.",
                    ("namespace", String("Its namespace.")),
                    ("name", String("Its name.")))),
                ("conditions", NetworkingSchemas.Conditions("Ready."))))),
        Strategy = new BindingStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Network", "string", ".spec.network.name"),
            new PrinterColumn("Location", "string", ".spec.location.name"),
            new PrinterColumn("Context", "string", ".status.networkContextRef.name", Priority: 1),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Priority: 1),
        ],
    };

    private sealed class BindingStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var field in new[] { "network", "location" })
            {
                if (!JsonNode.DeepEquals(newObj["spec"]?[field], oldObj["spec"]?[field]))
                {
                    yield return FieldError.Invalid($"spec.{field}", newObj["spec"]?[field]?.DeepClone(), "field is immutable");
                }
            }
        }
    }
}

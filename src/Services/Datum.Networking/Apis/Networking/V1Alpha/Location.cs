using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>
/// <c>locations.networking.datumapis.com</c>: a place where networks and workloads run. Cluster-scoped and stored only
/// in the platform control plane (<see cref="ResourceDefinition.ServedFromPlatform"/>): every organization and project
/// plane reads the platform's Locations; writes are accepted only in the platform.
/// </summary>
public static class Location
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "Location", Plural = "locations",
        Namespaced = false,
        ServedFromPlatform = true,
        Categories = ["datum", "networking"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "Location is a place (a provider's region or zone) where networks and workloads run.",
            ("spec", Object("LocationSpec describes the location.",
                ("locationClassName", String("The class of the location: datum-managed or self-managed. A provider serves one or more classes.")),
                ("topology", StringMap("Topology labels; topology.datum.net/city-code (an IATA city code such as DFW) is required.")),
                ("provider", Object("The infrastructure behind the location.",
                    ("gcp", Object("A GCP zone.",
                        ("projectId", String("The GCP project.")),
                        ("region", String("The GCP region.")),
                        ("zone", String("The GCP zone."))).WithRequired("projectId", "region", "zone")),
                    ("simulated", Object("A simulated location (datum up): nothing is provisioned.",
                        ("region", String("A free-form region name shown to people."))))))).WithRequired("locationClassName", "topology")),
            ("status", Object("LocationStatus is the observed state of a Location.",
                ("conditions", NetworkingSchemas.Conditions("Ready."))))),
        Strategy = new LocationStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Class", "string", ".spec.locationClassName"),
            new PrinterColumn("City", "string", ".spec.topology.topology\\.datum\\.net/city-code"),
            new PrinterColumn("Region", "string", ".spec.provider.simulated.region", Priority: 1),
        ],
    };

    private sealed class LocationStrategy : ResourceStrategy
    {
        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            if (obj["spec"]?["topology"] is JsonObject topology &&
                string.IsNullOrEmpty(topology[NetworkingNames.CityCodeTopologyKey]?.GetValue<string>()))
            {
                yield return FieldError.Required($"spec.topology[{NetworkingNames.CityCodeTopologyKey}]", "every location needs a city code (an IATA code such as DFW)");
            }
            if (obj["spec"]?["locationClassName"] is JsonValue v && v.GetValue<string>().Length == 0)
            {
                yield return FieldError.Required("spec.locationClassName", "a location class such as datum-managed");
            }
        }
    }
}

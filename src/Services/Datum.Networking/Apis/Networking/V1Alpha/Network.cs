using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Networking.Ipam;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary><c>networks.networking.datumapis.com</c>: a "galactic VPC" that spans locations.</summary>
public static class Network
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "Network", Plural = "networks",
        Namespaced = true,
        Categories = ["datum", "networking"],
        ShortNames = ["net"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "Network is a virtual private network that spans locations.",
            ("spec", Object("NetworkSpec is the desired state of a Network.",
                ("ipam", Object("How addresses are managed.",
                    ("mode", Enum("Auto (Datum picks subnets) or Policy.", "Auto", "Policy") with { Default = "Auto" }),
                    ("ipv4Range", String("The IPv4 range subnets are carved from (default 10.128.0.0/9).") with { Default = NetworkingNames.DefaultIpv4Range }),
                    ("ipv6Range", String("Read only in practice: the network's IPv6 /48, allocated from fd20::/20 and reported in status.ipam.ipv6Prefix."))) with { Default = new JsonObject() }),
                ("ipFamilies", Array(NetworkingSchemas.IpFamily("An IP family carried by the network."), "The IP families the network carries (default [IPv4]).") with
                {
                    Default = new JsonArray("IPv4"), MinItems = 1, MaxItems = 2,
                }),
                ("mtu", NetworkingSchemas.Mtu with { Default = NetworkingNames.DefaultMtu })) with { Default = new JsonObject() }),
            ("status", Object("NetworkStatus is the observed state of a Network.",
                ("ipam", Object("The network's allocated ranges.",
                    ("ipv4Range", String("The IPv4 range.")),
                    ("ipv6Prefix", String("The network's IPv6 /48, unique across the platform.")))),
                ("conditions", NetworkingSchemas.Conditions("IPAMAllocated and Ready."))))),
        Strategy = new NetworkStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("IPv4 Range", "string", ".spec.ipam.ipv4Range"),
            new PrinterColumn("IPv6 Prefix", "string", ".status.ipam.ipv6Prefix"),
            new PrinterColumn("MTU", "integer", ".spec.mtu", Priority: 1),
            new PrinterColumn("Families", "string", ".spec.ipFamilies", Priority: 1),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
        ],
    };

    private sealed class NetworkStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            var range = obj["spec"]?["ipam"]?["ipv4Range"];
            if (range is JsonValue && range.GetValueKind() == System.Text.Json.JsonValueKind.String)
            {
                var text = range.GetValue<string>();
                if (!Cidr.TryParse(text, out var cidr, out var error))
                {
                    yield return FieldError.Invalid("spec.ipam.ipv4Range", text, error);
                }
                else if (cidr.IsV6)
                {
                    yield return FieldError.Invalid("spec.ipam.ipv4Range", text, "must be an IPv4 range such as 10.128.0.0/9");
                }
                else if (cidr.PrefixLength > 28)
                {
                    yield return FieldError.Invalid("spec.ipam.ipv4Range", text, "must be /28 or larger to hold subnets");
                }
            }
            var v6 = obj["spec"]?["ipam"]?["ipv6Range"];
            if (v6 is JsonValue && v6.GetValueKind() == System.Text.Json.JsonValueKind.String)
            {
                var text = v6.GetValue<string>();
                if (!Cidr.TryParse(text, out var cidr, out var error)) yield return FieldError.Invalid("spec.ipam.ipv6Range", text, error);
                else if (!cidr.IsV6 || cidr.PrefixLength != 48 || !Cidr.Parse(NetworkingNames.Ipv6Pool).Contains(cidr))
                {
                    yield return FieldError.Invalid("spec.ipam.ipv6Range", text, $"must be a /48 inside {NetworkingNames.Ipv6Pool}; leave it empty to get one allocated");
                }
            }
            if (obj["spec"]?["ipFamilies"] is JsonArray families)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < families.Count; i++)
                {
                    if (families[i] is JsonValue f && f.GetValueKind() == System.Text.Json.JsonValueKind.String && !seen.Add(f.GetValue<string>()))
                    {
                        yield return new FieldError(FieldErrorType.Duplicate, $"spec.ipFamilies[{i}]", "", f.GetValue<string>(), true);
                    }
                }
            }
        }

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var e in Validate(newObj)) yield return e;
            foreach (var field in new[] { "ipv4Range", "ipv6Range" })
            {
                var before = oldObj["spec"]?["ipam"]?[field];
                var after = newObj["spec"]?["ipam"]?[field];
                if (!JsonNode.DeepEquals(before, after))
                {
                    yield return FieldError.Invalid($"spec.ipam.{field}", after?.DeepClone(), "field is immutable: subnets are allocated from it; create a new network instead");
                }
            }
        }
    }
}

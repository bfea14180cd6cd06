using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Networking.Ipam;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>
/// <c>subnetclaims.networking.datumapis.com</c>: a request for a subnet of a network context; the IPAM answers it
/// with a Subnet of the same name (IPv4 /20 by default, IPv6 /64 out of the network's /48).
/// </summary>
public static class SubnetClaim
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "SubnetClaim", Plural = "subnetclaims",
        Namespaced = true,
        Categories = ["datum", "networking"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "SubnetClaim asks the IPAM for a subnet in a network context.",
            ("spec", SubnetSpec("SubnetClaimSpec is the desired state of a SubnetClaim.").WithRequired("subnetClass", "networkContext", "location", "ipFamily")),
            ("status", Object("SubnetClaimStatus is the observed state of a SubnetClaim.",
                ("subnetRef", NetworkingSchemas.LocalReference("The Subnet allocated for the claim.")),
                ("startAddress", String("The allocated prefix's first address.")),
                ("prefixLength", Int32("The allocated prefix's length.")),
                ("conditions", NetworkingSchemas.Conditions("Allocated, Programmed and Ready."))))),
        Strategy = new SubnetSpecStrategy(immutable: true),
        PrinterColumns =
        [
            new PrinterColumn("Context", "string", ".spec.networkContext.name"),
            new PrinterColumn("Family", "string", ".spec.ipFamily"),
            new PrinterColumn("Start", "string", ".status.startAddress"),
            new PrinterColumn("Prefix", "integer", ".status.prefixLength"),
            new PrinterColumn("Allocated", "string", NetworkingSchemas.ConditionColumn(NetworkingConditions.Allocated)),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Allocated\")].reason", Priority: 1),
        ],
    };

    internal static SchemaNode SubnetSpec(string description) => Object(description,
        ("subnetClass", String("The subnet class, e.g. private.")),
        ("networkContext", NetworkingSchemas.LocalReference("The NetworkContext (same namespace) the subnet belongs to.")),
        ("location", NetworkingSchemas.LocationReference),
        ("ipFamily", NetworkingSchemas.IpFamily("IPv4 or IPv6.")),
        ("startAddress", String("Optional: the first address of the wanted prefix; honoured when free, refused when taken.")),
        ("prefixLength", Int32("Optional: the prefix length (IPv4 8–30, default 20; IPv6 64).")));

    /// <summary>Validation shared by SubnetClaim and Subnet specs.</summary>
    internal sealed class SubnetSpecStrategy(bool immutable) : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj) => ValidateSpec(obj["spec"] as JsonObject);

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var e in Validate(newObj)) yield return e;
            if (immutable && !JsonNode.DeepEquals(newObj["spec"], oldObj["spec"]))
            {
                yield return FieldError.Invalid("spec", null, "field is immutable: delete the claim and create a new one");
            }
        }
    }

    internal static IEnumerable<FieldError> ValidateSpec(JsonObject? spec)
    {
        if (spec is null) yield break;
        var family = spec["ipFamily"] is JsonValue f && f.GetValueKind() == JsonValueKind.String ? f.GetValue<string>() : null;
        int? length = spec["prefixLength"] is JsonValue p && p.GetValueKind() == JsonValueKind.Number ? p.GetValue<int>() : null;
        if (length is { } l)
        {
            if (family == IpFamilies.IPv6 && l != NetworkingNames.Ipv6SubnetPrefix)
            {
                yield return FieldError.Invalid("spec.prefixLength", l, "IPv6 subnets are /64 (out of the network's /48)");
            }
            else if (family == IpFamilies.IPv4 && (l < 8 || l > 30))
            {
                yield return FieldError.Invalid("spec.prefixLength", l, "IPv4 subnets must be from /8 to /30");
            }
        }
        if (spec["startAddress"] is JsonValue s && s.GetValueKind() == JsonValueKind.String)
        {
            var text = s.GetValue<string>();
            if (!Cidr.TryParseAddress(text, out var address, out var v6))
            {
                yield return FieldError.Invalid("spec.startAddress", text, "must be an IP address such as 10.128.16.0");
            }
            else if (family is not null && v6 != (family == IpFamilies.IPv6))
            {
                yield return FieldError.Invalid("spec.startAddress", text, $"is not an {family} address (spec.ipFamily is {family})");
            }
            else
            {
                var len = length ?? (v6 ? NetworkingNames.Ipv6SubnetPrefix : NetworkingNames.DefaultIpv4SubnetPrefix);
                var aligned = Cidr.Align(address, len, v6);
                if (aligned != address)
                {
                    yield return FieldError.Invalid("spec.startAddress", text, $"must be the first address of a /{len} (host bits zero): did you mean {Cidr.ToAddress(aligned, v6)}?");
                }
            }
        }
    }
}

/// <summary><c>subnets.networking.datumapis.com</c>: an allocated prefix, programmed by the location's provider.</summary>
public static class Subnet
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "Subnet", Plural = "subnets",
        Namespaced = true,
        Categories = ["datum", "networking"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "Subnet is a prefix of a network in one location.",
            ("spec", SubnetClaim.SubnetSpec("SubnetSpec is the desired state of a Subnet.")),
            ("status", Object("SubnetStatus is the observed state of a Subnet.",
                ("startAddress", String("The prefix's first address.")),
                ("prefixLength", Int32("The prefix's length.")),
                ("conditions", NetworkingSchemas.Conditions("Allocated, Programmed (set by the provider) and Ready."))))),
        Strategy = new SubnetClaim.SubnetSpecStrategy(immutable: false),
        PrinterColumns =
        [
            new PrinterColumn("Context", "string", ".spec.networkContext.name"),
            new PrinterColumn("Family", "string", ".spec.ipFamily"),
            new PrinterColumn("Start", "string", ".status.startAddress"),
            new PrinterColumn("Prefix", "integer", ".status.prefixLength"),
            new PrinterColumn("Programmed", "string", NetworkingSchemas.ConditionColumn(NetworkingConditions.Programmed)),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
            new PrinterColumn("Location", "string", ".spec.location.name", Priority: 1),
            new PrinterColumn("Class", "string", ".spec.subnetClass", Priority: 1),
        ],
    };
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Networking.Ipam;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>
/// <c>networkinterfaceclaims.networking.datumapis.com</c>: "this instance needs an interface on this network in this
/// location". The networking service answers it with a NetworkInterface of the same name carrying one address per
/// IP family (from the network context's subnets), a gateway and a primary address.
/// </summary>
public static class NetworkInterfaceClaim
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "NetworkInterfaceClaim", Plural = "networkinterfaceclaims",
        Namespaced = true,
        Categories = ["datum", "networking"],
        ShortNames = ["nicc"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "NetworkInterfaceClaim asks for a network interface (addresses on a network in a location) for an instance.",
            ("spec", Object("NetworkInterfaceClaimSpec is the desired state of a NetworkInterfaceClaim.",
                ("network", NetworkingSchemas.LocalReference("The network (same namespace). Immutable.")),
                ("location", NetworkingSchemas.LocationReference),
                ("interfaceName", NetworkInterfaces.InterfaceName),
                ("attachmentMode", NetworkInterfaces.AttachmentMode),
                ("addresses", Array(Object("An address request.",
                    ("class", Enum("The address class; only private addresses are allocated by Datum (external addresses come from the provider).", "private") with { Default = "private" })),
                    "The addresses wanted: one per IP family for each entry (default one private address).") with
                {
                    Default = new JsonArray(new JsonObject { ["class"] = "private" }), MinItems = 1, MaxItems = 1,
                }),
                ("ipFamilies", Array(NetworkingSchemas.IpFamily("An IP family."), "The families to allocate (default: every family the network carries).") with { MinItems = 1, MaxItems = 2 }),
                ("reclaimPolicy", NetworkInterfaces.ReclaimPolicy)).WithRequired("network", "location")),
            ("status", Object("NetworkInterfaceClaimStatus is the observed state of a NetworkInterfaceClaim.",
                ("phase", Enum("Pending until an interface is bound, then Bound.", "Pending", "Bound")),
                ("networkInterfaceRef", NetworkingSchemas.LocalReference("The NetworkInterface bound to the claim.")),
                ("addresses", NetworkInterfaces.Addresses("The interface's addresses.")),
                ("conditions", NetworkingSchemas.Conditions("Bound, Allocated, Prepared, Programmed and Ready."))))),
        Strategy = new ClaimStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Network", "string", ".spec.network.name"),
            new PrinterColumn("Location", "string", ".spec.location.name"),
            new PrinterColumn("Address", "string", ".status.addresses[0].address", "The primary address.") { Compute = o => NetworkInterfaces.PrimaryAddress(o["status"]) },
            new PrinterColumn("Bound", "string", NetworkingSchemas.ConditionColumn(NetworkingConditions.Bound)),
            new PrinterColumn("Allocated", "string", NetworkingSchemas.ConditionColumn(NetworkingConditions.Allocated)),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
            new PrinterColumn("Interface", "string", ".spec.interfaceName", Priority: 1),
            new PrinterColumn("Addresses", "string", ".status.addresses[*].address", Priority: 1) { Compute = o => NetworkInterfaces.AllAddresses(o["status"]) },
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Priority: 1),
        ],
    };

    private sealed class ClaimStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj) => NetworkInterfaces.ValidateInterfaceName(obj["spec"]?["interfaceName"]);

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var e in Validate(newObj)) yield return e;
            foreach (var field in new[] { "network", "location", "interfaceName", "attachmentMode", "addresses", "ipFamilies" })
            {
                if (!JsonNode.DeepEquals(newObj["spec"]?[field], oldObj["spec"]?[field]))
                {
                    yield return FieldError.Invalid($"spec.{field}", newObj["spec"]?[field]?.DeepClone(), "field is immutable: delete the claim and create a new one");
                }
            }
        }
    }
}

/// <summary>
/// <c>networkinterfaces.networking.datumapis.com</c>: an interface with its allocated addresses, bound to the claim of
/// the same name (owned by it unless retained) and programmed by the location's provider.
/// </summary>
public static class NetworkInterface
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "NetworkInterface", Plural = "networkinterfaces",
        Namespaced = true,
        Categories = ["datum", "networking"],
        ShortNames = ["nic"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "NetworkInterface is an interface on a network in a location, with its allocated addresses.",
            ("spec", Object("NetworkInterfaceSpec is the desired state of a NetworkInterface.",
                ("network", NetworkingSchemas.LocalReference("The network (same namespace).")),
                ("location", NetworkingSchemas.LocationReference),
                ("networkContext", NetworkingSchemas.LocalReference("The NetworkContext of the network in the location.")),
                ("interfaceName", NetworkInterfaces.InterfaceName),
                ("attachmentMode", NetworkInterfaces.AttachmentMode),
                ("claimRef", Object("The claim the interface was allocated for.",
                    ("name", String("The claim's name.")),
                    ("uid", String("The claim's uid.")))),
                ("addresses", NetworkInterfaces.Addresses("The allocated addresses: at most 4, one per family, exactly one primary.")),
                ("externalAddresses", Array(Object("An external (public) address assigned by the provider.",
                    ("family", NetworkingSchemas.IpFamily("The family.")),
                    ("address", String("The address.")))) with { MaxItems = 4 }),
                ("reclaimPolicy", NetworkInterfaces.ReclaimPolicy)).WithRequired("network", "location")),
            ("status", Object("NetworkInterfaceStatus is the observed state of a NetworkInterface.",
                ("phase", Enum("Bound while its claim exists; Available once retained after the claim went.", "Available", "Bound")),
                ("conditions", NetworkingSchemas.Conditions("Allocated, Programmed (set by the provider) and Ready."))))),
        Strategy = new InterfaceStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Network", "string", ".spec.network.name"),
            new PrinterColumn("Location", "string", ".spec.location.name"),
            new PrinterColumn("Address", "string", ".spec.addresses[0].address", "The primary address.") { Compute = o => NetworkInterfaces.PrimaryAddress(o["spec"]) },
            new PrinterColumn("Phase", "string", ".status.phase"),
            new PrinterColumn("Programmed", "string", NetworkingSchemas.ConditionColumn(NetworkingConditions.Programmed)),
            new PrinterColumn("Ready", "string", NetworkingSchemas.ReadyColumn),
            new PrinterColumn("Claim", "string", ".spec.claimRef.name", Priority: 1),
            new PrinterColumn("Addresses", "string", ".spec.addresses[*].address", Priority: 1) { Compute = o => NetworkInterfaces.AllAddresses(o["spec"]) },
            new PrinterColumn("Gateway", "string", ".spec.addresses[0].gateway", Priority: 1) { Compute = o => NetworkInterfaces.PrimaryAddress(o["spec"], "gateway") },
            new PrinterColumn("Reclaim", "string", ".spec.reclaimPolicy", Priority: 1),
        ],
    };

    private sealed class InterfaceStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj) =>
            NetworkInterfaces.ValidateInterfaceName(obj["spec"]?["interfaceName"]).Concat(NetworkInterfaces.ValidateAddresses(obj["spec"]?["addresses"] as JsonArray, "spec.addresses"));

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var e in Validate(newObj)) yield return e;
            foreach (var field in new[] { "network", "location", "networkContext", "claimRef", "addresses" })
            {
                if (!JsonNode.DeepEquals(newObj["spec"]?[field], oldObj["spec"]?[field]))
                {
                    yield return FieldError.Invalid($"spec.{field}", newObj["spec"]?[field]?.DeepClone(), "field is immutable: the addresses were allocated for it");
                }
            }
        }
    }
}

/// <summary>Schema pieces and validation shared by NetworkInterfaceClaim and NetworkInterface.</summary>
internal static class NetworkInterfaces
{
    public const int MaxInterfaceNameLength = 15;

    public static SchemaNode InterfaceName { get; } = String("The interface's name inside the instance (default eth0, at most 15 characters, as Linux allows).") with
    {
        Default = "eth0", MaxLength = MaxInterfaceNameLength, MinLength = 1,
    };

    public static SchemaNode AttachmentMode { get; } = Enum("How the interface is attached: Netns (a network namespace) or Hypervisor (a VM's NIC).", "Netns", "Hypervisor") with { Default = "Netns" };

    public static SchemaNode ReclaimPolicy { get; } = Enum("What happens to the interface and its addresses when the claim goes: Delete (default) or Retain.", "Delete", "Retain") with { Default = "Delete" };

    public static SchemaNode Addresses(string description) => Array(Object("An allocated address.",
        ("family", NetworkingSchemas.IpFamily("The family.")),
        ("address", String("The address.")),
        ("prefixLength", Int32("The prefix length of the subnet it came from.")),
        ("gateway", String("The gateway: the first usable address of the subnet.")),
        ("primary", Boolean("Whether it is the interface's primary address (exactly one is).")),
        ("class", String("The address class (private)."))).WithRequired("family", "address"), description) with { MaxItems = 4 };

    public static JsonNode? PrimaryAddress(JsonNode? holder, string field = "address") =>
        holder?["addresses"] is JsonArray a ? (a.FirstOrDefault(x => x?["primary"] is JsonValue p && p.GetValueKind() == JsonValueKind.True) ?? a.FirstOrDefault())?[field]?.DeepClone() : null;

    public static JsonNode? AllAddresses(JsonNode? holder) =>
        holder?["addresses"] is JsonArray a ? string.Join(",", a.Select(x => x?["address"]?.ToString()).Where(x => x is not null)) : null;

    public static IEnumerable<FieldError> ValidateInterfaceName(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String) yield break;
        var name = v.GetValue<string>();
        if (name is "." or ".." || name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return FieldError.Invalid("spec.interfaceName", name, "must be a Linux interface name: no '/', ':' or whitespace, not '.' or '..' (for example eth0)");
        }
    }

    public static IEnumerable<FieldError> ValidateAddresses(JsonArray? addresses, string path)
    {
        if (addresses is null || addresses.Count == 0) yield break;
        var families = new HashSet<string>(StringComparer.Ordinal);
        var primaries = 0;
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] is not JsonObject a) continue;
            var family = a["family"] is JsonValue f && f.GetValueKind() == JsonValueKind.String ? f.GetValue<string>() : null;
            if (family is not null && !families.Add(family))
            {
                yield return new FieldError(FieldErrorType.Duplicate, $"{path}[{i}].family", "an interface has one address per family", family, true);
            }
            if (a["primary"] is JsonValue p && p.GetValueKind() == JsonValueKind.True) primaries++;
            foreach (var field in new[] { "address", "gateway" })
            {
                if (a[field] is not JsonValue av || av.GetValueKind() != JsonValueKind.String) continue;
                var text = av.GetValue<string>();
                if (!Cidr.TryParseAddress(text, out _, out var v6))
                {
                    yield return FieldError.Invalid($"{path}[{i}].{field}", text, "must be an IP address such as 10.128.0.2");
                }
                else if (family is not null && v6 != (family == IpFamilies.IPv6))
                {
                    yield return FieldError.Invalid($"{path}[{i}].{field}", text, $"is not an {family} address");
                }
            }
        }
        if (primaries != 1)
        {
            yield return FieldError.Invalid(path, null, $"exactly one address must be primary ({primaries} are)");
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Networking.Ipam;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary><c>networkpolicies.networking.datumapis.com</c>: ingress rules (ports, ipBlocks with exceptions).</summary>
public static class NetworkPolicy
{
    private static SchemaNode IngressRule { get; } = Object("NetworkPolicyIngressRule allows traffic matching both ports and from.",
        ("ports", Array(Object("A port or port range.",
            ("protocol", Enum("TCP (default), UDP or SCTP.", "TCP", "UDP", "SCTP") with { Default = "TCP" }),
            ("port", new SchemaNode { IntOrString = true, Description = "A port number or name." }),
            ("endPort", Int32("The last port of a range (needs a numeric port)."))), "Ports; empty means every port.")),
        ("from", Array(Object("A traffic source.",
            ("ipBlock", Object("A CIDR with exceptions.",
                ("cidr", String("The CIDR, e.g. 0.0.0.0/0.")),
                ("except", Array(String(), "CIDRs inside cidr to exclude."))).WithRequired("cidr"))), "Sources; empty means everywhere.")));

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = NetworkingNames.Group, Version = NetworkingNames.Version, Kind = "NetworkPolicy", Plural = "networkpolicies",
        Namespaced = true,
        Categories = ["datum", "networking"],
        Schema = CommonSchemas.TopLevel(
            "NetworkPolicy describes the traffic allowed into a network's interfaces.",
            ("spec", Object("NetworkPolicySpec is the desired state of a NetworkPolicy.",
                ("network", NetworkingSchemas.LocalReference("The network the policy applies to (same namespace).")),
                ("ingress", Array(IngressRule, "Ingress rules; traffic matching any rule is allowed."))))),
        Strategy = new PolicyStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Network", "string", ".spec.network.name"),
            PrinterColumn.Count("Rules", "Ingress rules.", "spec") with { Compute = o => o["spec"]?["ingress"] is JsonArray a ? a.Count : 0 },
        ],
    };

    private sealed class PolicyStrategy : ResourceStrategy
    {
        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            if (obj["spec"]?["ingress"] is not JsonArray rules) yield break;
            for (var r = 0; r < rules.Count; r++)
            {
                if (rules[r]?["ports"] is JsonArray ports)
                {
                    for (var p = 0; p < ports.Count; p++)
                    {
                        var path = $"spec.ingress[{r}].ports[{p}]";
                        var port = ports[p]?["port"];
                        int? number = port is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<int>() : null;
                        if (number is < 1 or > 65535) yield return FieldError.Invalid(path + ".port", number, "must be between 1 and 65535, inclusive");
                        if (ports[p]?["endPort"] is JsonValue e && e.GetValueKind() == JsonValueKind.Number)
                        {
                            var end = e.GetValue<int>();
                            if (number is null) yield return FieldError.Invalid(path + ".endPort", end, "needs a numeric port");
                            else if (end < number || end > 65535) yield return FieldError.Invalid(path + ".endPort", end, $"must be from port ({number}) to 65535");
                        }
                    }
                }
                if (rules[r]?["from"] is not JsonArray from) continue;
                for (var f = 0; f < from.Count; f++)
                {
                    if (from[f]?["ipBlock"] is not JsonObject block || block["cidr"] is not JsonValue c || c.GetValueKind() != JsonValueKind.String) continue;
                    var path = $"spec.ingress[{r}].from[{f}].ipBlock";
                    if (!Cidr.TryParse(c.GetValue<string>(), out var cidr, out var error))
                    {
                        yield return FieldError.Invalid(path + ".cidr", c.GetValue<string>(), error);
                        continue;
                    }
                    if (block["except"] is not JsonArray except) continue;
                    for (var x = 0; x < except.Count; x++)
                    {
                        var text = except[x]?.GetValueKind() == JsonValueKind.String ? except[x]!.GetValue<string>() : "";
                        if (!Cidr.TryParse(text, out var ex, out var err)) yield return FieldError.Invalid($"{path}.except[{x}]", text, err);
                        else if (!cidr.Contains(ex) || ex == cidr) yield return FieldError.Invalid($"{path}.except[{x}]", text, $"must be strictly inside {cidr}");
                    }
                }
            }
        }
    }
}

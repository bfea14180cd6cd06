using Datum.Machinery.Schema;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>Schema pieces shared by the networking kinds.</summary>
internal static class NetworkingSchemas
{
    public static SchemaNode Condition { get; } = Object("Condition contains details for one aspect of the current state of this API Resource.",
        ("type", String("Type of condition in CamelCase.")),
        ("status", Enum("Status of the condition, one of True, False, Unknown.", "True", "False", "Unknown")),
        ("observedGeneration", Integer("The .metadata.generation that the condition was set based upon.")),
        ("lastTransitionTime", Time("The last time the condition transitioned from one status to another.")),
        ("reason", String("A programmatic identifier indicating the reason for the condition's last transition.")),
        ("message", String("A human readable message indicating details about the transition.")));

    public static SchemaNode Conditions(string which) => MapList(Condition, "type", which);

    public static SchemaNode LocalReference(string description) => Object(description, ("name", String("The referent's name."))).WithRequired("name");

    public static SchemaNode LocationReference { get; } = Object("A Location (cluster-scoped in the platform control plane).",
        ("name", String("The Location's name.")),
        ("namespace", String("Accepted for compatibility with the classic shape; Locations are cluster-scoped and it is ignored."))).WithRequired("name");

    public static SchemaNode IpFamily(string description) => Enum(description, "IPv4", "IPv6");

    public static SchemaNode Mtu { get; } = Int32("The network's maximum transmission unit, 1300 to 8856.") with { Minimum = 1300, Maximum = 8856 };

    public static string ReadyColumn => ".status.conditions[?(@.type==\"Ready\")].status";

    public static string ConditionColumn(string type) => $".status.conditions[?(@.type==\"{type}\")].status";
}

using Datum.Machinery.Schema;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Networking.Apis.Networking.V1Alpha;

/// <summary>Schema pieces shared by the networking kinds.</summary>
internal static class NetworkingSchemas
{
    public static SchemaNode Conditions(string which) => CommonSchemas.Conditions(which);

    public static SchemaNode LocalReference(string description) => Object(description, ("name", String("The referent's name."))).WithRequired("name");

    public static SchemaNode LocationReference { get; } = Object("A Location (cluster-scoped in the platform control plane).",
        ("name", String("The Location's name.")),
        ("namespace", String("Accepted for compatibility with the classic shape; Locations are cluster-scoped and it is ignored."))).WithRequired("name");

    public static SchemaNode IpFamily(string description) => Enum(description, "IPv4", "IPv6");

    public static SchemaNode Mtu { get; } = Int32("The network's maximum transmission unit, 1300 to 8856.") with { Minimum = 1300, Maximum = 8856 };

    public static string ReadyColumn => ".status.conditions[?(@.type==\"Ready\")].status";

    public static string ConditionColumn(string type) => $".status.conditions[?(@.type==\"{type}\")].status";
}

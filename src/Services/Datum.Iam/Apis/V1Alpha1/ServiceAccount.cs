using System.Text.Json.Nodes;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Iam.Apis.V1Alpha1;

/// <summary>
/// <c>serviceaccounts.iam.miloapis.com</c> (cluster-scoped, in the control plane it belongs to: Milo serves it in
/// project planes; here organization planes and the platform may hold them too): a machine identity. Tokens come from
/// <c>datum token create --service-account NAME --project P</c>; the account authenticates as its email
/// (<see cref="EmailOf"/>) and only in its own control plane; <c>spec.state: Inactive</c> refuses its tokens.
/// </summary>
public static class ServiceAccount
{
    /// <summary>Active: tokens are accepted.</summary>
    public const string Active = "Active";

    /// <summary>Inactive: tokens are refused (401) until the account is Active again.</summary>
    public const string Inactive = "Inactive";

    /// <summary>The domain of service-account emails.</summary>
    public const string EmailDomain = "iam.datumapis.com";

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "ServiceAccount", Plural = "serviceaccounts", Namespaced = false,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("ServiceAccount is a machine identity of a project (or organization) that authenticates with a token.",
            ("spec", Object("ServiceAccountSpec is the desired state.",
                ("state", Enum("Active (tokens are accepted) or Inactive (tokens are refused). Defaults to Active.", Active, Inactive) with { Default = Active })) with { Default = new JsonObject() }),
            ("status", Object("ServiceAccountStatus is the observed state.",
                ("email", String("The computed email: {name}@{project}.iam.datumapis.com (organization planes: {name}@{org}.organization.iam.datumapis.com).")),
                ("state", Enum("The state last applied.", Active, Inactive)),
                ("conditions", IamNames.Conditions("Ready."))))),
        Strategy = new IamStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Email", "string", ".status.email"),
            new PrinterColumn("State", "string", ".spec.state"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
        ],
    };

    /// <summary>
    /// The email of an account named <paramref name="name"/> in storage cluster <paramref name="cluster"/>: Milo's
    /// <c>{name}@{project}.iam.datumapis.com</c> in a project, <c>{name}@{org}.organization.iam.datumapis.com</c> in
    /// an organization (project and organization names may coincide), <c>{name}@platform.iam.datumapis.com</c> in the platform.
    /// </summary>
    public static string EmailOf(string cluster, string name)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.StartsWith("project:", StringComparison.Ordinal)) return $"{name}@{cluster["project:".Length..]}.{EmailDomain}";
        if (cluster.StartsWith("org:", StringComparison.Ordinal)) return $"{name}@{cluster["org:".Length..]}.organization.{EmailDomain}";
        return $"{name}@platform.{EmailDomain}";
    }

    /// <summary>The state of a stored account (<c>spec.state</c>, Active when absent).</summary>
    public static string StateOf(JsonObject obj) => ObjectFields.StringAt(obj, "spec.state") is Inactive ? Inactive : Active;
}

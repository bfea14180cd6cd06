using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Iam.Apis.V1Alpha1;

/// <summary><c>userpreferences.iam.miloapis.com</c> (cluster-scoped, platform): a user's settings; IAM creates <c>userpreference-{user}</c>.</summary>
public static class UserPreference
{
    /// <summary>The name of a user's preference object.</summary>
    public static string NameFor(string user) => "userpreference-" + user;

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "UserPreference", Plural = "userpreferences", Namespaced = false,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("UserPreference holds a user's settings.",
            ("spec", Object("UserPreferenceSpec is the desired state.",
                ("userRef", IamNames.Ref("The user.", "name")),
                ("theme", Enum("light, dark or system (the default).", "light", "dark", "system") with { Default = "system" })).WithRequired("userRef")),
            ("status", Object("UserPreferenceStatus is the observed state.", ("conditions", IamNames.Conditions("Ready."))))).WithRequired("spec"),
        Strategy = new UserRefStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("User", "string", ".spec.userRef.name"),
            new PrinterColumn("Theme", "string", ".spec.theme"),
        ],
    };
}

/// <summary>
/// <c>userdeactivations.iam.miloapis.com</c> (cluster-scoped, platform): while one names a user, the user's
/// <c>status.state</c> is Inactive and its tokens are refused; deleting it reactivates the user.
/// </summary>
public static class UserDeactivation
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "UserDeactivation", Plural = "userdeactivations", Namespaced = false,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("UserDeactivation deactivates a user while it exists.",
            ("spec", Object("UserDeactivationSpec is the desired state.",
                ("userRef", IamNames.Ref("The user deactivated.", "name")),
                ("reason", String("The internal reason for the deactivation.")),
                ("description", String("A longer internal description.")),
                ("deactivatedBy", String("Who initiated the deactivation."))).WithRequired("userRef", "reason", "deactivatedBy")),
            ("status", Object("UserDeactivationStatus is the observed state.", ("conditions", IamNames.Conditions("Ready."))))).WithRequired("spec"),
        Strategy = new UserRefStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("User", "string", ".spec.userRef.name"),
            new PrinterColumn("Reason", "string", ".spec.reason"),
            new PrinterColumn("Deactivated By", "string", ".spec.deactivatedBy"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
        ],
        SelectableFields = new Dictionary<string, Func<JsonObject, string?>> { ["spec.userRef.name"] = o => IamNames.At(o, "spec.userRef.name")?.ToString() },
    };
}

/// <summary>Kinds that name a user: <c>spec.userRef</c> is immutable (the object belongs to that user).</summary>
internal sealed class UserRefStrategy : IamStrategy
{
    public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj) =>
        Validate(newObj).Concat(IamNames.Immutable(newObj, oldObj, "spec.userRef", "userRef is immutable"));
}

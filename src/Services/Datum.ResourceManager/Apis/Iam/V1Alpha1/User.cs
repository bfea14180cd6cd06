using System.Text.Json.Nodes;
using Datum.ResourceManager.Validation;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.ResourceManager.Apis.Iam.V1Alpha1;

/// <summary>
/// The minimal <c>users.iam.miloapis.com</c> (cluster-scoped) sign-up needs until the IAM service lands: the name is
/// the identity provider's subject, <c>status.registrationApproval</c> gates the personal project.
/// </summary>
public static class User
{
    /// <summary>The API group.</summary>
    public const string Group = "iam.miloapis.com";

    /// <summary>The approval value that lets the personal project be created.</summary>
    public const string Approved = "Approved";

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = Group, Version = "v1alpha1", Kind = "User", Plural = "users", Namespaced = false,
        Categories = ["datum"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "User is a person who signs in to the platform.",
            ("spec", Object("UserSpec is the desired state of a User.",
                ("email", String("The user's email address.")),
                ("givenName", String("Given name.")),
                ("familyName", String("Family name."))).WithRequired("email")),
            ("status", Object("UserStatus is the observed state of a User.",
                ("conditions", Array(CommonConditions.Condition, "Standard conditions.")),
                ("state", Enum("Whether the user is active.", "Active", "Inactive")),
                ("registrationApproval", Enum("Whether the user's registration was approved.", "Pending", Approved, "Rejected")),
                ("lastLoginProvider", Enum("The identity provider of the last login.", "github", "google")),
                ("avatarUrl", String("The user's avatar.", "uri"))))).WithRequired("spec"),
        Strategy = new UserStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Email", "string", ".spec.email"),
            new PrinterColumn("Given Name", "string", ".spec.givenName"),
            new PrinterColumn("Family Name", "string", ".spec.familyName"),
            new PrinterColumn("Registration Approval", "string", ".status.registrationApproval"),
        ],
    };

    private sealed class UserStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) =>
            obj["status"] = new JsonObject { ["state"] = "Active", ["conditions"] = Conditions.Initial("Waiting for controller") };
    }
}

using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Machinery.Validation;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;

/// <summary><c>organizations.resourcemanager.miloapis.com</c>: a tenant (cluster-scoped), Personal or Standard.</summary>
public static class Organization
{
    /// <summary>A personal organization (one per user, at most 2 projects).</summary>
    public const string Personal = "Personal";

    /// <summary>A standard organization (at most 10 projects).</summary>
    public const string Standard = "Standard";

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = ResourceManagerNames.Group, Version = ResourceManagerNames.Version, Kind = "Organization", Plural = "organizations",
        Namespaced = false,
        Categories = ["datum"],
        HasStatusSubresource = true,
        NameFormat = NameRules.Format.Label,
        Schema = CommonSchemas.TopLevel(
            "Organization is the root of a tenant: it owns projects and memberships.",
            ("spec", Object("OrganizationSpec is the desired state of an Organization.",
                ("type", Enum("The organization's type; immutable once set.", Personal, Standard))).WithRequired("type")),
            ("status", Object("OrganizationStatus is the observed state of an Organization.",
                ("observedGeneration", Integer("The generation last acted on.")),
                ("conditions", Array(Apis.CommonConditions.Condition, "Standard conditions (Ready)."))))).WithRequired("spec"),
        Strategy = new OrganizationStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Display Name", "string", ".metadata.annotations.kubernetes\\.io/display-name"),
            new PrinterColumn("Type", "string", ".spec.type"),
        ],
    };

    private sealed class OrganizationStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) =>
            obj["status"] = new JsonObject { ["conditions"] = Conditions.Initial("Waiting for control plane to reconcile") };

        public override IEnumerable<FieldError> Validate(JsonObject obj) => TenancyNames.Organization(ObjectFields.Name(obj));

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var error in Validate(newObj)) yield return error;
            var oldType = ObjectFields.StringAt(oldObj, "spec.type");
            var newType = ObjectFields.StringAt(newObj, "spec.type");
            if (!string.IsNullOrEmpty(oldType) && newType != oldType)
            {
                yield return FieldError.Invalid("spec.type", JsonValue.Create(newType), "organization type is immutable");
            }
            if (oldType == Personal && DisplayName(newObj) != DisplayName(oldObj))
            {
                yield return FieldError.Forbidden("metadata.annotations[kubernetes.io/display-name]", "The display name of a personal organization cannot be changed.");
            }
        }

        private static string? DisplayName(JsonObject obj) => (ObjectFields.Metadata(obj)["annotations"] as JsonObject)?[ResourceManagerNames.DisplayNameAnnotation]?.ToString();
    }
}

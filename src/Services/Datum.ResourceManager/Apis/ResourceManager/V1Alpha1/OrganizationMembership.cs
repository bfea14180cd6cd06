using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Validation;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;

/// <summary>
/// <c>organizationmemberships.resourcemanager.miloapis.com</c>: a user's membership of an organization, in the
/// organization's namespace <c>organization-{org}</c>, with the roles the user holds there.
/// </summary>
public static class OrganizationMembership
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = ResourceManagerNames.Group, Version = ResourceManagerNames.Version, Kind = "OrganizationMembership", Plural = "organizationmemberships",
        Namespaced = true,
        Categories = ["datum"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "OrganizationMembership links a user to an organization with roles.",
            ("spec", Object("OrganizationMembershipSpec is the desired state.",
                ("organizationRef", Object("The organization.", ("name", String("The organization's name."))).WithRequired("name")),
                ("userRef", Object("The user.", ("name", String("The user's name."))).WithRequired("name")),
                ("roles", MapList(Object("A role reference.",
                    ("name", String("The role's name.")),
                    ("namespace", String("The role's namespace; defaults to the membership's namespace."))).WithRequired("name"), "name",
                    "Roles the member holds in the organization."))).WithRequired("organizationRef", "userRef")),
            ("status", Object("OrganizationMembershipStatus is the observed state.",
                ("observedGeneration", Integer("The generation last acted on.")),
                ("conditions", Array(CommonConditions.Condition, "Ready and RolesApplied.")),
                ("user", Object("The member's details.",
                    ("email", String()), ("givenName", String()), ("familyName", String()), ("avatarUrl", String()))),
                ("organization", Object("The organization's details.", ("type", String()), ("displayName", String()))),
                ("appliedRoles", Array(Object("How one role was applied.",
                    ("name", String()), ("namespace", String()),
                    ("status", Enum("Applied, Pending or Failed.", "Applied", "Pending", "Failed")),
                    ("message", String()),
                    ("policyBindingRef", Object("The binding that grants the role.", ("name", String()), ("namespace", String()))),
                    ("appliedAt", Time())), "Per-role results."))))).WithRequired("spec"),
        Strategy = new MembershipStrategy(),
        SelectableFields = new Dictionary<string, Func<JsonObject, string?>>
        {
            ["spec.userRef.name"] = o => ObjectFields.StringAt(o, "spec.userRef.name"),
            ["spec.organizationRef.name"] = o => ObjectFields.StringAt(o, "spec.organizationRef.name"),
        },
        PrinterColumns =
        [
            new PrinterColumn("Organization", "string", ".spec.organizationRef.name"),
            new PrinterColumn("User", "string", ".spec.userRef.name"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
        ],
    };

    private sealed class MembershipStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj)
        {
            obj["status"] = new JsonObject { ["conditions"] = Conditions.Initial("Waiting for controller") };
            DefaultRoleNamespaces(obj);
        }

        public override void PrepareForUpdate(JsonObject newObj, JsonObject oldObj) => DefaultRoleNamespaces(newObj);

        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var roles = obj["spec"]?["roles"] as JsonArray ?? [];
            for (var i = 0; i < roles.Count; i++)
            {
                if (roles[i] is not JsonObject role) continue;
                if (!seen.Add($"{role["namespace"]}/{role["name"]}"))
                {
                    yield return FieldError.Invalid($"spec.roles[{i}]", role.DeepClone(), "duplicate role reference detected");
                }
            }
        }

        private static void DefaultRoleNamespaces(JsonObject obj)
        {
            if (obj["spec"]?["roles"] is not JsonArray roles) return;
            var ns = ObjectFields.Namespace(obj);
            foreach (var role in roles.OfType<JsonObject>())
            {
                if (role["namespace"] is null && ns is not null) role["namespace"] = ns;
            }
        }
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.ResourceManager.Apis;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Iam.Apis.V1Alpha1;

/// <summary>Names shared by the IAM kinds.</summary>
public static partial class IamNames
{
    /// <summary>The API group.</summary>
    public const string Group = "iam.miloapis.com";

    /// <summary>The API version.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The namespace of the shipped per-service roles (in the platform).</summary>
    public const string ServiceRolesNamespace = "milo-system";

    /// <summary>The namespace of the assignable organization roles (in the platform).</summary>
    public const string OrganizationRolesNamespace = "datum-cloud";

    /// <summary>The service name of the core API group (<c>""</c>).</summary>
    public const string CoreService = "core.miloapis.com";

    /// <summary>The service (permission prefix) of an API group.</summary>
    public static string ServiceOf(string group) => group.Length == 0 ? CoreService : group;

    /// <summary>The API group of a service.</summary>
    public static string GroupOf(string service) => service == CoreService ? "" : service;

    /// <summary>A well-formed permission: <c>{service}/{plural}.{verb}</c>.</summary>
    public static bool IsPermission(string value) => PermissionPattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?/[a-zA-Z0-9]+\\.[a-zA-Z]+$")]
    private static partial Regex PermissionPattern();

    internal static SchemaNode Conditions(string description) => Array(CommonConditions.Condition, description);

    internal static SchemaNode Ref(string description, params string[] required) =>
        Object(description, ("name", String("The name.")), ("namespace", String("The namespace."))).WithRequired(required);

    internal static IEnumerable<FieldError> Immutable(JsonObject newObj, JsonObject oldObj, string path, string message)
    {
        var now = At(newObj, path);
        var before = At(oldObj, path);
        if (!JsonNode.DeepEquals(now, before)) yield return FieldError.Invalid(path, now?.DeepClone(), message);
    }

    internal static JsonNode? At(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.')) node = (node as JsonObject)?[part];
        return node;
    }
}

/// <summary>A strategy starting status with <c>Ready=Unknown</c>.</summary>
internal class IamStrategy : ResourceStrategy
{
    public override void PrepareForCreate(JsonObject obj) =>
        obj["status"] = new JsonObject { ["conditions"] = Datum.ResourceManager.Validation.Conditions.Initial("Waiting for controller") };
}

/// <summary><c>protectedresources.iam.miloapis.com</c> (cluster-scoped): a kind IAM knows, its permissions and parents.</summary>
public static class ProtectedResource
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "ProtectedResource", Plural = "protectedresources", Namespaced = false,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("ProtectedResource registers a kind with IAM: its permissions and the kinds it inherits from.",
            ("spec", Object("ProtectedResourceSpec is the desired state.",
                ("serviceRef", Object("The service (API group) owning the kind.", ("name", String("The service name."))).WithRequired("name")),
                ("kind", String("The kind, e.g. Workload.")),
                ("singular", String("The singular name.")),
                ("plural", String("The plural (REST resource) name.")),
                ("permissions", SetList(String(), "The verbs that may be granted on the kind.")),
                ("parentResources", Array(Object("A kind this one inherits permissions from.",
                    ("apiGroup", String("The parent's API group.")), ("kind", String("The parent's kind."))).WithRequired("kind"),
                    "Kinds this resource inherits permissions from."))).WithRequired("serviceRef", "kind", "singular", "plural", "permissions")),
            ("status", Object("ProtectedResourceStatus is the observed state.",
                ("observedGeneration", Integer()), ("conditions", IamNames.Conditions("Ready."))))).WithRequired("spec"),
        Strategy = new IamStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Service", "string", ".spec.serviceRef.name"),
            new PrinterColumn("Kind", "string", ".spec.kind"),
            new PrinterColumn("Plural", "string", ".spec.plural"),
        ],
    };
}

/// <summary><c>roles.iam.miloapis.com</c> (namespaced): a named set of permissions, composable through inherited roles.</summary>
public static class Role
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "Role", Plural = "roles", Namespaced = true,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("Role is a named set of permissions.",
            ("spec", Object("RoleSpec is the desired state.",
                ("includedPermissions", SetList(String(), "Permissions {service}/{plural}.{verb}.")),
                ("launchStage", String("Early Access, Alpha, Beta, Stable or Deprecated.")),
                ("inheritedRoles", MapList(IamNames.Ref("A role whose permissions this role includes.", "name"), "name", "Roles whose permissions are included."))).WithRequired("launchStage")),
            ("status", Object("RoleStatus is the observed state.",
                ("observedGeneration", Integer()),
                ("parent", String("The parent resource.")),
                ("effectivePermissions", Array(String(), "Included and inherited permissions, flattened.")),
                ("conditions", IamNames.Conditions("PermissionsValid and Ready."))))).WithRequired("spec"),
        Strategy = new RoleStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Launch Stage", "string", ".spec.launchStage"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
        ],
    };

    private sealed class RoleStrategy : IamStrategy
    {
        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            var permissions = obj["spec"]?["includedPermissions"] as JsonArray ?? [];
            for (var i = 0; i < permissions.Count; i++)
            {
                var value = permissions[i]?.ToString() ?? "";
                if (!IamNames.IsPermission(value))
                {
                    yield return FieldError.Invalid($"spec.includedPermissions[{i}]", JsonValue.Create(value),
                        "permission must have the form {service}/{resource-plural}.{verb}, e.g. compute.datumapis.com/workloads.create");
                }
            }
        }
    }
}

/// <summary><c>policybindings.iam.miloapis.com</c> (namespaced): grants a role to subjects on a resource or a kind.</summary>
public static class PolicyBinding
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "PolicyBinding", Plural = "policybindings", Namespaced = true,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("PolicyBinding grants a role to subjects on a resource, or on every resource of a kind.",
            ("spec", Object("PolicyBindingSpec is the desired state.",
                ("roleRef", IamNames.Ref("The role granted; immutable.", "name")),
                ("subjects", Array(Object("Who is granted the role.",
                    ("kind", Enum("The subject's kind.", "User", "Group", "ServiceAccount")),
                    ("name", String("The subject's name.")),
                    ("namespace", String("The subject's namespace: an IAM Group's; a core ServiceAccount's (without one, a ServiceAccount subject is an iam.miloapis.com ServiceAccount, named by name in its control plane or by email).")),
                    ("uid", String("The subject's uid."))).WithRequired("kind", "name"), "The subjects.")),
                ("resourceSelector", Object("What the role is granted on: exactly one of resourceRef or resourceKind; immutable.",
                    ("resourceRef", Object("One resource.",
                        ("apiGroup", String()), ("kind", String()), ("name", String()), ("uid", String()), ("namespace", String())).WithRequired("kind", "name", "uid")),
                    ("resourceKind", Object("Every resource of a kind, platform-wide.",
                        ("apiGroup", String()), ("kind", String())).WithRequired("kind"))))).WithRequired("roleRef", "subjects", "resourceSelector")),
            ("status", Object("PolicyBindingStatus is the observed state.",
                ("observedGeneration", Integer()), ("conditions", IamNames.Conditions("Ready, RoleValid, SubjectValid, TargetValid."))))).WithRequired("spec"),
        Strategy = new PolicyBindingStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Role", "string", ".spec.roleRef.name"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
        ],
    };

    private sealed class PolicyBindingStrategy : IamStrategy
    {
        public override void PrepareForCreate(JsonObject obj)
        {
            base.PrepareForCreate(obj);
            if (obj["spec"]?["roleRef"] is JsonObject role && role["namespace"] is null && ObjectFields.Namespace(obj) is { } ns) role["namespace"] = ns;
        }

        public override void PrepareForUpdate(JsonObject newObj, JsonObject oldObj)
        {
            if (newObj["spec"]?["roleRef"] is JsonObject role && role["namespace"] is null && ObjectFields.Namespace(newObj) is { } ns) role["namespace"] = ns;
        }

        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            var selector = obj["spec"]?["resourceSelector"] as JsonObject;
            var hasRef = selector?["resourceRef"] is JsonObject;
            var hasKind = selector?["resourceKind"] is JsonObject;
            if (hasRef == hasKind)
            {
                yield return FieldError.Invalid("spec.resourceSelector", selector?.DeepClone(), "exactly one of resourceRef or resourceKind must be specified");
            }
            var subjects = obj["spec"]?["subjects"] as JsonArray ?? [];
            if (subjects.Count == 0) yield return FieldError.Required("spec.subjects", "at least one subject is required");
            for (var i = 0; i < subjects.Count; i++)
            {
                if (subjects[i] is not JsonObject s) continue;
                var kind = s["kind"]?.ToString();
                var name = s["name"]?.ToString() ?? "";
                if (kind != "Group" && !name.StartsWith("system:", StringComparison.Ordinal) && string.IsNullOrEmpty(s["uid"]?.ToString()) && kind == "User")
                {
                    yield return FieldError.Required($"spec.subjects[{i}].uid", "uid is required for User subjects");
                }
            }
        }

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj) =>
            Validate(newObj)
                .Concat(IamNames.Immutable(newObj, oldObj, "spec.roleRef", "RoleRef is immutable and cannot be changed after creation"))
                .Concat(IamNames.Immutable(newObj, oldObj, "spec.resourceSelector", "ResourceSelector is immutable and cannot be changed after creation"));
    }
}

/// <summary><c>groups.iam.miloapis.com</c> (namespaced): a named set of users.</summary>
public static class Group
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "Group", Plural = "groups", Namespaced = true,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("Group is a named set of users.",
            ("status", Object("GroupStatus is the observed state.", ("conditions", IamNames.Conditions("Ready."))))),
        Strategy = new IamStrategy(),
    };
}

/// <summary><c>groupmemberships.iam.miloapis.com</c> (namespaced): a user in a group.</summary>
public static class GroupMembership
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "GroupMembership", Plural = "groupmemberships", Namespaced = true,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("GroupMembership puts a user in a group.",
            ("spec", Object("GroupMembershipSpec is the desired state.",
                ("userRef", IamNames.Ref("The user.", "name")),
                ("groupRef", IamNames.Ref("The group.", "name", "namespace"))).WithRequired("userRef", "groupRef")),
            ("status", Object("GroupMembershipStatus is the observed state.", ("conditions", IamNames.Conditions("Ready."))))).WithRequired("spec"),
        Strategy = new IamStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("User", "string", ".spec.userRef.name"),
            new PrinterColumn("Group", "string", ".spec.groupRef.name"),
        ],
    };
}

/// <summary><c>userinvitations.iam.miloapis.com</c> (namespaced, in <c>organization-{org}</c>): an invitation to join an organization.</summary>
public static class UserInvitation
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = IamNames.Group, Version = IamNames.Version, Kind = "UserInvitation", Plural = "userinvitations", Namespaced = true,
        Categories = ["iam"], HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel("UserInvitation invites a person, by email, to an organization with roles.",
            ("spec", Object("UserInvitationSpec is the desired state.",
                ("organizationRef", Object("The organization.", ("name", String())).WithRequired("name")),
                ("email", String("The invitee's email address.")),
                ("givenName", String()), ("familyName", String()),
                ("roles", Array(IamNames.Ref("A role the invitee gets.", "name"), "Roles granted on acceptance (1 to 100).")),
                ("invitedBy", Object("The inviting user.", ("name", String()))),
                ("expirationDate", Time("When the invitation expires.")),
                ("state", Enum("Pending, Accepted or Declined; may only move away from Pending.", "Pending", "Accepted", "Declined"))).WithRequired("organizationRef", "email", "roles", "state")),
            ("status", Object("UserInvitationStatus is the observed state.",
                ("conditions", IamNames.Conditions("Ready, Expired, Pending.")),
                ("organization", Object("The organization.", ("displayName", String()))),
                ("inviterUser", Object("The inviter.", ("displayName", String()), ("emailAddress", String()))),
                ("inviteeUser", Object("The invitee once known.", ("name", String())))))).WithRequired("spec"),
        Strategy = new InvitationStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Email", "string", ".spec.email"),
            new PrinterColumn("State", "string", ".spec.state"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].reason"),
        ],
    };

    private sealed class InvitationStrategy : IamStrategy
    {
        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            var roles = obj["spec"]?["roles"] as JsonArray ?? [];
            if (roles.Count is < 1 or > 100) yield return FieldError.Invalid("spec.roles", roles.DeepClone(), "must have between 1 and 100 roles");
        }

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            foreach (var e in Validate(newObj)) yield return e;
            foreach (var field in new[] { "organizationRef", "email", "givenName", "familyName", "roles", "invitedBy", "expirationDate" })
            {
                foreach (var e in IamNames.Immutable(newObj, oldObj, "spec." + field, "field is immutable")) yield return e;
            }
            var before = IamNames.At(oldObj, "spec.state")?.ToString();
            var after = IamNames.At(newObj, "spec.state")?.ToString();
            if (before != after && before != "Pending")
            {
                yield return FieldError.Invalid("spec.state", JsonValue.Create(after), "state can only transition from Pending to Accepted or Declined");
            }
        }
    }
}

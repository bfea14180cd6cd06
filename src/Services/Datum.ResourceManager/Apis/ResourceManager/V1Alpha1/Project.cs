using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Validation;
using Datum.ResourceManager.Validation;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;

/// <summary>
/// <c>projects.resourcemanager.miloapis.com</c>: cluster-scoped, owned by an Organization, with its own control plane
/// at <c>/apis/resourcemanager.miloapis.com/v1alpha1/projects/{name}/control-plane</c>.
/// </summary>
public static class Project
{
    /// <summary>Condition type: the control plane is bootstrapped.</summary>
    public const string Ready = "Ready";

    /// <summary>Condition type: the staged cleanup of a deleted project's control plane.</summary>
    public const string ResourceCleanup = "ResourceCleanup";

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = ResourceManagerNames.Group, Version = ResourceManagerNames.Version, Kind = "Project", Plural = "projects",
        Namespaced = false,
        Categories = ["datum"],
        HasStatusSubresource = true,
        NameFormat = NameRules.Format.Label,
        Schema = CommonSchemas.TopLevel(
            "Project is an isolated control plane inside an organization.",
            ("spec", Object("ProjectSpec is the desired state of a Project.",
                ("ownerRef", Object("The organization that owns the project; set from the request context when created through an organization's control plane.",
                    ("kind", Enum("The owner's kind.", "Organization")),
                    ("name", String("The owner's name.")))))),
            ("status", Object("ProjectStatus is the observed state of a Project.",
                ("conditions", Array(CommonConditions.Condition, "Ready and ResourceCleanup."))))),
        Strategy = new ProjectStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Organization", "string", ".spec.ownerRef.name"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
            new PrinterColumn("Display Name", "string", ".metadata.annotations.kubernetes\\.io/display-name", Priority: 1),
        ],
    };

    /// <summary>The owning organization's name from <c>spec.ownerRef.name</c>, or null.</summary>
    public static string? OrganizationOf(JsonObject project) => ObjectFields.StringAt(project, "spec.ownerRef.name");

    private sealed class ProjectStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj)
        {
            obj["status"] = new JsonObject { ["conditions"] = Conditions.Initial("Waiting for control plane to reconcile") };
            // The controller's finalizer comes with the create (as Kubernetes puts "kubernetes" in a new namespace's
            // spec.finalizers): one durable write less before the project is Ready, and a project deleted before
            // the controller first saw it is still emptied.
            var finalizers = ObjectFields.Metadata(obj)["finalizers"] as JsonArray ?? [];
            if (!finalizers.Any(f => f?.ToString() == ResourceManagerNames.ProjectFinalizer)) finalizers.Add(ResourceManagerNames.ProjectFinalizer);
            ObjectFields.Metadata(obj)["finalizers"] = finalizers;
            if (obj["spec"] is not JsonObject spec) obj["spec"] = spec = new JsonObject();
            if (spec["ownerRef"] is JsonObject owner && owner["kind"] is null) owner["kind"] = "Organization";
            if (OrganizationOf(obj) is { Length: > 0 } org)
            {
                var meta = ObjectFields.Metadata(obj);
                var labels = meta["labels"] as JsonObject ?? new JsonObject();
                labels[ResourceManagerNames.OrganizationNameLabel] = org;
                meta["labels"] = labels;
            }
        }

        public override IEnumerable<FieldError> Validate(JsonObject obj) => TenancyNames.Project(ObjectFields.Name(obj));

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj)
        {
            if (!JsonNode.DeepEquals(newObj["spec"]?["ownerRef"], oldObj["spec"]?["ownerRef"]))
            {
                yield return FieldError.Invalid("spec.ownerRef", newObj["spec"]?["ownerRef"]?.DeepClone(), "field is immutable");
            }
            var oldLabel = ObjectFields.Labels(oldObj)?[ResourceManagerNames.OrganizationNameLabel]?.ToString();
            var newLabel = ObjectFields.Labels(newObj)?[ResourceManagerNames.OrganizationNameLabel]?.ToString();
            if (oldLabel is not null && newLabel != oldLabel)
            {
                yield return FieldError.Forbidden($"metadata.labels[{ResourceManagerNames.OrganizationNameLabel}]", "the organization-name label may not be removed or changed");
            }
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Machinery.Validation;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.CustomResources;

/// <summary>
/// <c>apiextensions.k8s.io/v1 CustomResourceDefinition</c>: the kind itself, its schema and its create/update
/// rules. Serving the kinds it declares is <see cref="CustomResourceDefinitionController"/>'s job.
/// </summary>
public static class CustomResourceDefinitionKind
{
    /// <summary>The API group.</summary>
    public const string Group = "apiextensions.k8s.io";

    /// <summary>The finalizer that holds a deleted CRD until its objects are gone.</summary>
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    private static readonly SchemaNode Names = Object(
        "CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition",
        ("plural", String("plural is the plural name of the resource to serve. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.")),
        ("singular", String("singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.")),
        ("kind", String("kind is the serialized kind of the resource. It is normally CamelCase and singular.")),
        ("listKind", String("listKind is the serialized kind of the list for this resource. Defaults to \"`kind`List\".")),
        ("shortNames", Array(String(), "shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.")),
        ("categories", Array(String(), "categories is a list of grouped resources this custom resource belongs to (e.g. 'all').")));

    private static readonly SchemaNode PrinterColumnSchema = Object(
        "CustomResourceColumnDefinition specifies a column for server side printing.",
        ("name", String("name is a human readable name for the column.")),
        ("type", String("type is an OpenAPI type definition for this column: integer, number, string, boolean or date.")),
        ("format", String("format is an optional OpenAPI type definition for this column.")),
        ("description", String("description is a human readable description of this column.")),
        ("priority", Int32("priority is an integer defining the relative importance of this column compared to others. Columns with priority above 0 are shown only in wide output.")),
        ("jsonPath", String("jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.")))
        .WithRequired("name", "type", "jsonPath");

    private static readonly SchemaNode Version = Object(
        "CustomResourceDefinitionVersion describes a version for CRD.",
        ("name", String("name is the version name, e.g. “v1”, “v2beta1”, etc.")),
        ("served", Boolean("served is a flag enabling/disabling this version from being served via REST APIs")),
        ("storage", Boolean("storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.")),
        ("deprecated", Boolean("deprecated indicates this version of the custom resource API is deprecated.")),
        ("deprecationWarning", String("deprecationWarning overrides the default warning returned to API clients.")),
        ("schema", Object("CustomResourceValidation is a list of validation methods for CustomResources.",
            ("openAPIV3Schema", Any("openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.") with { Type = "object" }))),
        ("subresources", Object("CustomResourceSubresources defines the status and scale subresources for CustomResources.",
            ("status", Any("status indicates the custom resource should serve a `/status` subresource.") with { Type = "object" }),
            ("scale", Object("CustomResourceSubresourceScale defines how to serve the scale subresource for CustomResources.",
                ("specReplicasPath", String("specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`.")),
                ("statusReplicasPath", String("statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`.")),
                ("labelSelectorPath", String("labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.")))))),
        ("additionalPrinterColumns", Array(PrinterColumnSchema, "additionalPrinterColumns specifies additional columns returned in Table output.")),
        ("selectableFields", Array(Object("SelectableField specifies the JSON path of a field that may be used with field selectors.",
            ("jsonPath", String("jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value."))),
            "selectableFields specifies paths to fields that may be used as field selectors.")))
        .WithRequired("name", "served", "storage");

    private static readonly SchemaNode Condition = Object(
        "CustomResourceDefinitionCondition contains details for the current condition of this pod.",
        ("type", String("type is the type of the condition. Types include Established, NamesAccepted and Terminating.")),
        ("status", String("status is the status of the condition. Can be True, False, Unknown.")),
        ("lastTransitionTime", Time("lastTransitionTime last time the condition transitioned from one status to another.")),
        ("reason", String("reason is a unique, one-word, CamelCase reason for the condition's last transition.")),
        ("message", String("message is a human-readable message indicating details about last transition.")));

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = Group, Version = "v1", Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions", Namespaced = false,
        ShortNames = ["crd", "crds"],
        Categories = ["api-extensions"],
        HasStatusSubresource = true,
        // One catalog serves every control plane, so a CRD anywhere but the platform would leak across tenants.
        PlatformOnly = true,
        Schema = CommonSchemas.TopLevel(
            "CustomResourceDefinition represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>.",
            ("spec", Object("CustomResourceDefinitionSpec describes how a user wants their resource to appear",
                ("group", String("group is the API group of the defined custom resource.")),
                ("names", Names),
                ("scope", Enum("scope indicates whether the defined custom resource is cluster- or namespace-scoped.", "Cluster", "Namespaced")),
                ("versions", Array(Version, "versions is the list of all API versions of the defined custom resource.")),
                ("conversion", Any("conversion defines conversion settings for the CRD.") with { Type = "object" }),
                ("preserveUnknownFields", Boolean("preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage.")))
                .WithRequired("group", "names", "scope", "versions")),
            ("status", Object("CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition",
                ("conditions", MapList(Condition, "type", "conditions indicate state for particular aspects of a CustomResourceDefinition")),
                ("acceptedNames", Names),
                ("storedVersions", Array(String(), "storedVersions lists all versions of CustomResources that were ever persisted."))))),
        Strategy = new CrdStrategy(),
        PrinterColumns = [new PrinterColumn("Created At", "date", ".metadata.creationTimestamp")],
    };

    /// <summary>The checks of a CRD, on create (<paramref name="old"/> null) and update.</summary>
    public static IEnumerable<FieldError> Validate(JsonObject crd, JsonObject? old)
    {
        var errors = new List<FieldError>();
        var spec = crd["spec"] as JsonObject ?? new JsonObject();
        var group = Str(spec["group"]);
        var names = spec["names"] as JsonObject ?? new JsonObject();
        var plural = Str(names["plural"]);
        var kind = Str(names["kind"]);
        var name = Str(crd["metadata"]?["name"]);

        if (string.IsNullOrEmpty(group)) errors.Add(FieldError.Required("spec.group"));
        else if (!group.Contains('.', StringComparison.Ordinal)) errors.Add(FieldError.Invalid("spec.group", JsonValue.Create(group), "should be a domain with at least one dot"));
        else errors.AddRange(NameRules.Check(group, NameRules.Format.Subdomain).Select(m => FieldError.Invalid("spec.group", JsonValue.Create(group), m)));

        if (string.IsNullOrEmpty(plural)) errors.Add(FieldError.Required("spec.names.plural"));
        else errors.AddRange(NameRules.Check(plural, NameRules.Format.Label).Select(m => FieldError.Invalid("spec.names.plural", JsonValue.Create(plural), m)));
        if (string.IsNullOrEmpty(kind)) errors.Add(FieldError.Required("spec.names.kind"));
        if (Str(names["singular"]) is { Length: > 0 } singular)
        {
            errors.AddRange(NameRules.Check(singular, NameRules.Format.Label).Select(m => FieldError.Invalid("spec.names.singular", JsonValue.Create(singular), m)));
        }
        if (!string.IsNullOrEmpty(plural) && !string.IsNullOrEmpty(group) && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", JsonValue.Create(name), "must be spec.names.plural+\".\"+spec.group"));
        }

        var scope = Str(spec["scope"]);
        if (string.IsNullOrEmpty(scope)) errors.Add(FieldError.Required("spec.scope"));
        else if (scope is not ("Namespaced" or "Cluster")) errors.Add(FieldError.NotSupported("spec.scope", JsonValue.Create(scope), ["Cluster", "Namespaced"]));

        var versions = spec["versions"] as JsonArray ?? [];
        if (versions.Count == 0) errors.Add(FieldError.Required("spec.versions", "must have exactly one version marked as storage version"));
        var storage = 0;
        var served = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < versions.Count; i++)
        {
            var path = $"spec.versions[{i}]";
            if (versions[i] is not JsonObject version) continue;
            var versionName = Str(version["name"]);
            if (string.IsNullOrEmpty(versionName)) errors.Add(FieldError.Required(path + ".name"));
            else
            {
                errors.AddRange(NameRules.Check(versionName, NameRules.Format.Label).Select(m => FieldError.Invalid(path + ".name", JsonValue.Create(versionName), m)));
                if (!seen.Add(versionName)) errors.Add(new FieldError(FieldErrorType.Duplicate, path + ".name", "", JsonValue.Create(versionName), true));
            }
            if (IsTrue(version["storage"])) storage++;
            if (IsTrue(version["served"])) served++;
            if (version["schema"]?["openAPIV3Schema"] is JsonObject schema)
            {
                errors.AddRange(OpenApiSchemaReader.Check(schema, path + ".schema.openAPIV3Schema"));
            }
            else
            {
                errors.Add(FieldError.Required(path + ".schema.openAPIV3Schema", "schemas are required"));
            }
            if (version["subresources"]?["scale"] is JsonObject scale)
            {
                var specPath = Str(scale["specReplicasPath"]);
                if (string.IsNullOrEmpty(specPath)) errors.Add(FieldError.Required(path + ".subresources.scale.specReplicasPath"));
                else if (!specPath.StartsWith(".spec.", StringComparison.Ordinal)) errors.Add(FieldError.Invalid(path + ".subresources.scale.specReplicasPath", JsonValue.Create(specPath), "should be a json path under .spec"));
                var statusPath = Str(scale["statusReplicasPath"]);
                if (string.IsNullOrEmpty(statusPath)) errors.Add(FieldError.Required(path + ".subresources.scale.statusReplicasPath"));
                else if (!statusPath.StartsWith(".status.", StringComparison.Ordinal)) errors.Add(FieldError.Invalid(path + ".subresources.scale.statusReplicasPath", JsonValue.Create(statusPath), "should be a json path under .status"));
                if (Str(scale["labelSelectorPath"]) is { Length: > 0 } selectorPath && !selectorPath.StartsWith(".spec.", StringComparison.Ordinal) && !selectorPath.StartsWith(".status.", StringComparison.Ordinal))
                {
                    errors.Add(FieldError.Invalid(path + ".subresources.scale.labelSelectorPath", JsonValue.Create(selectorPath), "should be a json path under either .spec or .status"));
                }
            }
            if (version["additionalPrinterColumns"] is JsonArray columns)
            {
                for (var c = 0; c < columns.Count; c++)
                {
                    var columnPath = $"{path}.additionalPrinterColumns[{c}]";
                    if (columns[c] is not JsonObject column) continue;
                    if (Str(column["type"]) is { Length: > 0 } type && type is not ("integer" or "number" or "string" or "boolean" or "date"))
                    {
                        errors.Add(FieldError.NotSupported(columnPath + ".type", JsonValue.Create(type), ["boolean", "date", "integer", "number", "string"]));
                    }
                    if (Str(column["jsonPath"]) is { Length: > 0 } jsonPath && !jsonPath.StartsWith('.'))
                    {
                        errors.Add(FieldError.Invalid(columnPath + ".jsonPath", JsonValue.Create(jsonPath), "must be a simple json path starting with ."));
                    }
                }
            }
        }
        if (versions.Count > 0 && storage != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", JsonValue.Create(storage), "must have exactly one version marked as storage version"));
        }
        if (versions.Count > 0 && served == 0)
        {
            errors.Add(FieldError.Invalid("spec.versions", JsonValue.Create(served), "must have at least one version marked as served"));
        }
        if (spec["conversion"]?["strategy"] is { } strategy && Str(strategy) != "None")
        {
            errors.Add(FieldError.NotSupported("spec.conversion.strategy", strategy.DeepClone(), ["None"]));
        }
        if (IsTrue(spec["preserveUnknownFields"]))
        {
            errors.Add(FieldError.Invalid("spec.preserveUnknownFields", JsonValue.Create(true), "must be false in v1"));
        }

        if (old is not null)
        {
            var oldSpec = old["spec"] as JsonObject ?? new JsonObject();
            if (Str(oldSpec["scope"]) is { Length: > 0 } oldScope && oldScope != scope)
            {
                errors.Add(FieldError.Invalid("spec.scope", JsonValue.Create(scope), "field is immutable"));
            }
            if (Str(oldSpec["group"]) is { Length: > 0 } oldGroup && oldGroup != group)
            {
                errors.Add(FieldError.Invalid("spec.group", JsonValue.Create(group), "field is immutable"));
            }
        }
        return errors;
    }

    internal static string Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";

    internal static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private sealed class CrdStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => DefaultNames(obj);

        public override IEnumerable<FieldError> Validate(JsonObject obj) => CustomResourceDefinitionKind.Validate(obj, null);

        public override void PrepareForUpdate(JsonObject newObj, JsonObject oldObj) => DefaultNames(newObj);

        public override IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj) => CustomResourceDefinitionKind.Validate(newObj, oldObj);

        public override void PrepareForDeletion(JsonObject obj)
        {
            // As kube-apiserver: a deleted CRD waits until the cleanup has removed every object of its kind.
            var meta = (JsonObject)obj["metadata"]!;
            var finalizers = meta["finalizers"] as JsonArray ?? [];
            if (!finalizers.Any(f => f?.ToString() == CleanupFinalizer)) finalizers.Add(CleanupFinalizer);
            meta["finalizers"] = finalizers;
            if (obj["status"] is not JsonObject status)
            {
                status = new JsonObject();
                obj["status"] = status;
            }
            var conditions = status["conditions"] as JsonArray ?? [];
            status["conditions"] = conditions;
            if (!conditions.Any(c => Str(c?["type"]) == "Terminating"))
            {
                conditions.Add(new JsonObject
                {
                    ["type"] = "Terminating", ["status"] = "True",
                    ["lastTransitionTime"] = Datum.Machinery.Objects.ObjectFields.FormatTime(DateTimeOffset.UtcNow),
                    ["reason"] = "InstanceDeletionPending",
                    ["message"] = "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
                });
            }
        }

        public override bool AllowUnconditionalUpdate => false;

        private static void DefaultNames(JsonObject obj)
        {
            if (obj["spec"]?["names"] is not JsonObject names) return;
            var kind = Str(names["kind"]);
            if (kind.Length == 0) return;
            if (Str(names["singular"]).Length == 0) names["singular"] = kind.ToLowerInvariant();
            if (Str(names["listKind"]).Length == 0) names["listKind"] = kind + "List";
        }
    }
}

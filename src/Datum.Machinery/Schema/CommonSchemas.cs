using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Machinery.Schema;

/// <summary>Schemas every kind shares: ObjectMeta and its parts, and the top-level object shape.</summary>
public static class CommonSchemas
{
    /// <summary><c>meta/v1 OwnerReference</c>.</summary>
    public static SchemaNode OwnerReference { get; } = Object(
        "OwnerReference contains enough information to let you identify an owning object.",
        ("apiVersion", String("API version of the referent.")),
        ("kind", String("Kind of the referent.")),
        ("name", String("Name of the referent.")),
        ("uid", String("UID of the referent.")),
        ("controller", Boolean("If true, this reference points to the managing controller.")),
        ("blockOwnerDeletion", Boolean("If true, the owner cannot be deleted from the key-value store until this reference is removed.")))
        .WithRequired("apiVersion", "kind", "name", "uid") with { ComponentName = "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference" };

    /// <summary><c>meta/v1 ManagedFieldsEntry</c>.</summary>
    public static SchemaNode ManagedFieldsEntry { get; } = Object(
        "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
        ("manager", String("Manager is an identifier of the workflow managing these fields.")),
        ("operation", String("Operation is the type of operation which lead to this ManagedFieldsEntry being created.")),
        ("apiVersion", String("APIVersion defines the version of this resource that this field set applies to.")),
        ("time", Time("Time is the timestamp of when the ManagedFields entry was added.")),
        ("fieldsType", String("FieldsType is the discriminator for the different fields format and version.")),
        ("fieldsV1", Any("FieldsV1 holds the first JSON version format as described in the \"FieldsV1\" type.") with { Type = "object" }),
        ("subresource", String("Subresource is the name of the subresource used to update that object.")))
        with { ComponentName = "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry" };

    /// <summary><c>meta/v1 ObjectMeta</c>.</summary>
    public static SchemaNode ObjectMeta { get; } = Object(
        "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        ("name", String("Name must be unique within a namespace. Cannot be updated.")),
        ("generateName", String("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.")),
        ("namespace", String("Namespace defines the space within which each name must be unique.")),
        ("selfLink", String("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.")),
        ("uid", String("UID is the unique in time and space value for this object. Populated by the system. Read-only.")),
        ("resourceVersion", String("An opaque value that represents the internal version of this object. Populated by the system. Read-only.")),
        ("generation", Integer("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.")),
        ("creationTimestamp", Time("CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.")),
        ("deletionTimestamp", Time("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. Populated by the system when a graceful deletion is requested. Read-only.")),
        ("deletionGracePeriodSeconds", Integer("Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set.")),
        ("labels", StringMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects.")),
        ("annotations", StringMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.")),
        ("ownerReferences", MapList(OwnerReference, "uid", "List of objects depended by this object.")),
        ("finalizers", SetList(String(), "Must be empty before the object is deleted from the registry.")),
        ("managedFields", Array(ManagedFieldsEntry, "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.")))
        with { ComponentName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" };

    /// <summary><c>meta/v1 Condition</c>, the status conditions every Datum kind reports.</summary>
    public static SchemaNode Condition { get; } = Object("Condition contains details for one aspect of the current state of this API Resource.",
        ("type", String("Type of condition in CamelCase.")),
        ("status", Enum("Status of the condition, one of True, False, Unknown.", "True", "False", "Unknown")),
        ("observedGeneration", Integer("The .metadata.generation that the condition was set based upon.")),
        ("lastTransitionTime", Time("The last time the condition transitioned from one status to another.")),
        ("reason", String("A programmatic identifier indicating the reason for the condition's last transition.")),
        ("message", String("A human readable message indicating details about the transition.")));

    /// <summary>A <c>status.conditions</c> list of <see cref="Condition"/>, merged by <c>type</c>.</summary>
    public static SchemaNode Conditions(string description) => MapList(Condition, "type", description);

    /// <summary>The top-level shape of a kind: apiVersion, kind, metadata plus <paramref name="fields"/>.</summary>
    public static SchemaNode TopLevel(string description, params (string Name, SchemaNode Schema)[] fields)
    {
        var all = new List<(string, SchemaNode)>
        {
            ("apiVersion", String("APIVersion defines the versioned schema of this representation of an object.")),
            ("kind", String("Kind is a string value representing the REST resource this object represents.")),
            ("metadata", ObjectMeta),
        };
        all.AddRange(fields);
        return Object(description, all.ToArray());
    }
}

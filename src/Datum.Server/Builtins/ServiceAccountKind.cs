using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>core/v1 ServiceAccount, with the <c>token</c> subresource (TokenRequest).</summary>
public static class ServiceAccountKind
{
    /// <summary>The account every namespace gets.</summary>
    public const string DefaultName = "default";

    private static readonly SchemaNode ObjectReference = Object(
        "ObjectReference contains enough information to let you inspect or modify the referred object.",
        ("apiVersion", String("API version of the referent.")),
        ("kind", String("Kind of the referent.")),
        ("namespace", String("Namespace of the referent.")),
        ("name", String("Name of the referent.")),
        ("uid", String("UID of the referent.")),
        ("resourceVersion", String("Specific resourceVersion to which this reference is made, if any.")),
        ("fieldPath", String("If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.")))
        with { ComponentName = "io.k8s.api.core.v1.ObjectReference" };

    private static readonly SchemaNode LocalObjectReference = Object(
        "LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.",
        ("name", String("Name of the referent.")))
        with { ComponentName = "io.k8s.api.core.v1.LocalObjectReference" };

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "", Version = "v1", Kind = "ServiceAccount", Plural = "serviceaccounts", Namespaced = true,
        ShortNames = ["sa"],
        SupportsStrategicMergePatch = true,
        Schema = CommonSchemas.TopLevel(
            "ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity; a principal that can be authenticated and authorized; a set of secrets.",
            ("secrets", MapList(ObjectReference, "name", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.")),
            ("imagePullSecrets", Array(LocalObjectReference, "ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.")),
            ("automountServiceAccountToken", Boolean("AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted."))),
        Subresources = [new TokenRequestSubresource()],
        PrinterColumns = [PrinterColumn.Count("Secrets", "Number of secrets", "secrets")],
    };
}

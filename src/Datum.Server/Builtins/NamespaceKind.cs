using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Machinery.Validation;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>core/v1 Namespace.</summary>
public static class NamespaceKind
{
    /// <summary>Namespaces that exist from the start and cannot be deleted.</summary>
    public static IReadOnlyList<string> SystemNamespaces { get; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>The finalizer the namespace controller removes once the namespace is empty.</summary>
    public const string FinalizerName = "kubernetes";

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "", Version = "v1", Kind = "Namespace", Plural = "namespaces", Namespaced = false,
        ShortNames = ["ns"],
        SupportsStrategicMergePatch = true,
        HasStatusSubresource = true,
        NameFormat = NameRules.Format.Label,
        Schema = CommonSchemas.TopLevel(
            "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
            ("spec", Object("NamespaceSpec describes the attributes on a Namespace.",
                ("finalizers", Array(String(), "Finalizers is an opaque list of values that must be empty to permanently remove object from storage.")))),
            ("status", Object("NamespaceStatus is information about the current status of a Namespace.",
                ("phase", Enum("Phase is the current lifecycle phase of the namespace.", "Active", "Terminating")),
                ("conditions", Array(Any("NamespaceCondition contains details about state of namespace.") with { Type = "object" }))))),
        Strategy = new NamespaceStrategy(),
        Subresources = [new NamespaceFinalizeSubresource()],
        SelectableFields = new Dictionary<string, Func<JsonObject, string?>>
        {
            ["status.phase"] = o => (o["status"] as JsonObject)?["phase"]?.ToString(),
        },
        PrinterColumns = [new PrinterColumn("Status", "string", ".status.phase")],
    };

    private sealed class NamespaceStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj)
        {
            obj["status"] = new JsonObject { ["phase"] = "Active" };
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray(FinalizerName) };
            var meta = (JsonObject)obj["metadata"]!;
            var labels = meta["labels"] as JsonObject ?? new JsonObject();
            labels["kubernetes.io/metadata.name"] = meta["name"]?.DeepClone();
            meta["labels"] = labels;
        }

        public override void PrepareForDeletion(JsonObject obj)
        {
            var name = obj["metadata"]?["name"]?.ToString() ?? "";
            if (SystemNamespaces.Contains(name))
            {
                throw new ApiException(403, "Forbidden", $"namespaces \"{name}\" is forbidden: this namespace may not be deleted")
                { DetailName = name, DetailKind = "namespaces" };
            }
            obj["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        public override bool HoldsDeletion(JsonObject obj) =>
            obj["spec"]?["finalizers"] is JsonArray finalizers && finalizers.Count > 0;

        public override void PrepareForUpdate(JsonObject newObj, JsonObject oldObj)
        {
            var meta = (JsonObject)newObj["metadata"]!;
            var labels = meta["labels"] as JsonObject ?? new JsonObject();
            labels["kubernetes.io/metadata.name"] = meta["name"]?.DeepClone();
            meta["labels"] = labels;
        }
    }
}

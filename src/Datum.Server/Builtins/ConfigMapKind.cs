using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>core/v1 ConfigMap.</summary>
public static class ConfigMapKind
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "", Version = "v1", Kind = "ConfigMap", Plural = "configmaps", Namespaced = true,
        ShortNames = ["cm"],
        SupportsStrategicMergePatch = true,
        Schema = CommonSchemas.TopLevel(
            "ConfigMap holds configuration data for pods to consume.",
            ("data", StringMap("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.")),
            ("binaryData", Map(String(format: "byte"), "BinaryData contains the binary data. Values are base64-encoded.")),
            ("immutable", Boolean("Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated."))),
        Strategy = new DataMapStrategy("ConfigMap"),
        PrinterColumns = [PrinterColumn.Count("Data", "Number of data keys", "data", "binaryData")],
    };
}

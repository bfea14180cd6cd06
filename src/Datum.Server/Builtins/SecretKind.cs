using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>core/v1 Secret.</summary>
public static class SecretKind
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "", Version = "v1", Kind = "Secret", Plural = "secrets", Namespaced = true,
        SupportsStrategicMergePatch = true,
        Schema = CommonSchemas.TopLevel(
            "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.",
            ("data", Map(String(format: "byte"), "Data contains the secret data. Each value must be base64 encoded.")),
            ("stringData", StringMap("stringData allows specifying non-binary secret data in string form. It is merged into the data field on write.")),
            ("type", String("Used to facilitate programmatic handling of secret data.")),
            ("immutable", Boolean("Immutable, if set to true, ensures that data stored in the Secret cannot be updated."))),
        Strategy = new DataMapStrategy("Secret"),
        SelectableFields = new Dictionary<string, Func<System.Text.Json.Nodes.JsonObject, string?>>
        {
            ["type"] = o => o["type"]?.ToString(),
        },
        PrinterColumns = [new PrinterColumn("Type", "string", ".type"), PrinterColumn.Count("Data", "Number of data keys", "data")],
    };
}

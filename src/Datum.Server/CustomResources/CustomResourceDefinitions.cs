using System.Text.Json.Nodes;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Server.CustomResources.CustomResourceDefinitionKind;

namespace Datum.Server.CustomResources;

/// <summary>The kinds one CRD declares: a <see cref="ResourceDefinition"/> per version, and which one stores.</summary>
/// <param name="Versions">Every version, served or not.</param>
/// <param name="Served">The versions to add to the catalog.</param>
/// <param name="Storage">The storage version (also used to clean up, even when not served).</param>
public sealed record CustomResourceKinds(IReadOnlyList<ResourceDefinition> Versions, IReadOnlyList<ResourceDefinition> Served, ResourceDefinition Storage);

/// <summary>Turns a CustomResourceDefinition object into the <see cref="ResourceDefinition"/>s it declares.</summary>
public static class CustomResourceDefinitions
{
    /// <summary>The kinds of <paramref name="crd"/> (assumed valid: it passed the CRD's validation when stored).</summary>
    public static CustomResourceKinds Build(JsonObject crd, CustomResourceState state)
    {
        var spec = crd["spec"] as JsonObject ?? new JsonObject();
        var group = Str(spec["group"]);
        var names = spec["names"] as JsonObject ?? new JsonObject();
        var kind = Str(names["kind"]);
        var plural = Str(names["plural"]);
        var singular = Str(names["singular"]) is { Length: > 0 } s ? s : kind.ToLowerInvariant();
        var namespaced = Str(spec["scope"]) != "Cluster";
        var crdName = ObjectFields.Name(crd) ?? $"{plural}.{group}";
        var versions = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var storageName = versions.FirstOrDefault(v => IsTrue(v["storage"])) is { } sv ? Str(sv["name"]) : Str(versions.FirstOrDefault()?["name"]);
        var storageApiVersion = $"{group}/{storageName}";

        var all = new List<ResourceDefinition>();
        var served = new List<ResourceDefinition>();
        ResourceDefinition? storage = null;
        foreach (var version in versions)
        {
            var schema = OpenApiSchemaReader.ReadTopLevel(version["schema"]?["openAPIV3Schema"] as JsonObject);
            var subresources = new List<ISubresource>();
            if (version["subresources"]?["scale"] is JsonObject scale)
            {
                subresources.Add(new ScaleSubresource(Str(scale["specReplicasPath"]), Str(scale["statusReplicasPath"]),
                    Str(scale["labelSelectorPath"]) is { Length: > 0 } selector ? selector : null));
            }
            var definition = new ResourceDefinition
            {
                Group = group,
                Version = Str(version["name"]),
                Kind = kind,
                Plural = plural,
                SingularName = singular,
                Namespaced = namespaced,
                Schema = schema,
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                HasStatusSubresource = version["subresources"]?["status"] is JsonObject,
                SupportsStrategicMergePatch = false,
                Subresources = subresources,
                PrinterColumns = PrinterColumns(version["additionalPrinterColumns"] as JsonArray),
                SelectableFields = SelectableFields(version["selectableFields"] as JsonArray),
                Strategy = new CustomResourceStrategy(storageApiVersion, schema, state, crdName),
            };
            all.Add(definition);
            if (IsTrue(version["served"])) served.Add(definition);
            if (definition.Version == storageName) storage = definition;
        }
        return new CustomResourceKinds(all, served, storage ?? all[0]);
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(Str).Where(x => x.Length > 0).ToList() : [];

    private static List<PrinterColumn> PrinterColumns(JsonArray? columns)
    {
        var result = new List<PrinterColumn>();
        foreach (var column in (columns ?? []).OfType<JsonObject>())
        {
            result.Add(new PrinterColumn(
                Str(column["name"]),
                Str(column["type"]),
                Str(column["jsonPath"]),
                Str(column["description"]),
                JsonNumbers.TryGetInt64(column["priority"], out var priority) ? (int)priority : 0,
                Str(column["format"])));
        }
        return result;
    }

    private static Dictionary<string, Func<JsonObject, string?>> SelectableFields(JsonArray? fields)
    {
        var result = new Dictionary<string, Func<JsonObject, string?>>(StringComparer.Ordinal);
        foreach (var field in (fields ?? []).OfType<JsonObject>())
        {
            var path = Str(field["jsonPath"]);
            if (path.Length == 0) continue;
            result[path.TrimStart('.')] = obj => Http.TableWriter.JsonPathValue(obj, path) switch
            {
                JsonValue v => v.ToString(),
                null => null,
                var other => other.ToJsonString(),
            };
        }
        return result;
    }
}

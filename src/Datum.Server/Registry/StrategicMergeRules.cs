using System.Runtime.CompilerServices;
using Datum.Machinery.Patch;
using Datum.Machinery.Schema;

namespace Datum.Server.Registry;

/// <summary>
/// Derives a kind's strategic-merge rules from the patch extensions in its schema
/// (<c>x-kubernetes-patch-strategy</c>, <c>x-kubernetes-patch-merge-key</c>), so the schema is the one source.
/// </summary>
public static class StrategicMergeRules
{
    private static readonly ConditionalWeakTable<SchemaNode, StrategicMergeSchema> Cache = new();

    /// <summary>The rules of <paramref name="definition"/>'s schema.</summary>
    public static StrategicMergeSchema For(ResourceDefinition definition) =>
        Cache.GetValue(definition.Schema, static schema =>
        {
            var rules = StrategicMergeSchema.ForObjectMeta();
            Collect(schema, "", ref rules);
            return rules;
        });

    private static void Collect(SchemaNode node, string path, ref StrategicMergeSchema rules)
    {
        if (node.Type == "array")
        {
            if (node.Extensions is { } ext && ext.TryGetValue("x-kubernetes-patch-strategy", out var strategy) &&
                strategy.GetValue<string>().Split(',').Contains("merge"))
            {
                var key = ext.TryGetValue("x-kubernetes-patch-merge-key", out var k) ? k.GetValue<string>() : null;
                rules = rules.WithList(path, new ListRule(key, key is null));
            }
            if (node.Items is { } items) Collect(items, path, ref rules);
            return;
        }
        if (node.Properties is { } properties)
        {
            foreach (var (name, child) in properties)
            {
                if (path.Length == 0 && name == "metadata") continue;
                Collect(child, path.Length == 0 ? name : $"{path}.{name}", ref rules);
            }
        }
    }
}

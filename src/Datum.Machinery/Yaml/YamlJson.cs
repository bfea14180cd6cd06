using System.Text.Json.Nodes;

namespace Datum.Machinery.Yaml;

/// <summary>
/// Converts YAML to JSON the way sigs.k8s.io/yaml does for Kubernetes: scalars resolve by the
/// YAML 1.1 rules of gopkg.in/yaml.v2 (see <see cref="Parse"/>), map keys become strings, and
/// anchors, aliases and <c>&lt;&lt;</c> merge keys are expanded. Object members keep document order.
/// </summary>
public static class YamlJson
{
    /// <summary>
    /// Converts the first document of <paramref name="yaml"/> (as yaml.v2's Unmarshal does; later
    /// documents are ignored) and returns null for an empty stream or a null document.
    /// Unquoted <c>true/false/yes/no/on/off/y/n</c> (lower, Title and UPPER case) are booleans;
    /// <c>null</c>, <c>~</c> and an empty value are null; integers accept <c>0x</c>, <c>0o</c>,
    /// <c>0b</c>, a leading-zero octal form and <c>_</c> separators; floats use YAML syntax;
    /// quoted and block scalars, timestamps and anything else are strings. Explicit
    /// <c>!!str/!!int/!!float/!!bool/!!null</c> tags are honoured.
    /// </summary>
    /// <exception cref="YamlFormatException">The YAML is malformed or has no JSON equivalent.</exception>
    public static JsonNode? Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = YamlJsonBuilder.Read(yaml, firstOnly: true);
        return documents.Count == 0 ? null : documents[0];
    }

    /// <summary>
    /// Converts every document of a multi-document stream (separated by <c>---</c>) with the same
    /// rules as <see cref="Parse"/>. Empty documents are returned as null entries, so callers that
    /// apply manifests usually skip nulls.
    /// </summary>
    /// <exception cref="YamlFormatException">Any document is malformed or has no JSON equivalent.</exception>
    public static IReadOnlyList<JsonNode?> ParseAll(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return YamlJsonBuilder.Read(yaml, firstOnly: false);
    }
}

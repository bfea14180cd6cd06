using System.Text.Json.Nodes;

namespace Datum.Machinery.Schema;

/// <summary>
/// A structural OpenAPI v3 schema node: what a kind's fields are. One model serves unknown-field
/// detection (fieldValidation), type validation, OpenAPI publishing and <c>kubectl explain</c>.
/// </summary>
public sealed record SchemaNode
{
    /// <summary><c>object</c>, <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>, <c>array</c>, or null (any).</summary>
    public string? Type { get; init; }

    /// <summary>Shown by <c>kubectl explain</c>.</summary>
    public string? Description { get; init; }

    /// <summary>Known properties of an object.</summary>
    public IReadOnlyDictionary<string, SchemaNode>? Properties { get; init; }

    /// <summary>Schema of the values of a map (an object with free keys).</summary>
    public SchemaNode? AdditionalProperties { get; init; }

    /// <summary>Schema of array items.</summary>
    public SchemaNode? Items { get; init; }

    /// <summary>Properties that must be present.</summary>
    public IReadOnlyList<string>? Required { get; init; }

    /// <summary>Allowed values.</summary>
    public IReadOnlyList<string>? Enum { get; init; }

    /// <summary>OpenAPI format (<c>date-time</c>, <c>byte</c>, <c>int64</c>, ...).</summary>
    public string? Format { get; init; }

    /// <summary><c>x-kubernetes-preserve-unknown-fields</c>: anything goes below this node.</summary>
    public bool PreserveUnknownFields { get; init; }

    /// <summary><c>x-kubernetes-int-or-string</c>.</summary>
    public bool IntOrString { get; init; }

    /// <summary>Null is an accepted value.</summary>
    public bool Nullable { get; init; }

    /// <summary>Inclusive minimum for numbers.</summary>
    public double? Minimum { get; init; }

    /// <summary>Inclusive maximum for numbers.</summary>
    public double? Maximum { get; init; }

    /// <summary>Maximum string length.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Regular expression strings must match.</summary>
    public string? Pattern { get; init; }

    /// <summary>Minimum string length.</summary>
    public int? MinLength { get; init; }

    /// <summary>Minimum number of array items.</summary>
    public int? MinItems { get; init; }

    /// <summary>Maximum number of array items.</summary>
    public int? MaxItems { get; init; }

    /// <summary>The value filled in when the field is absent (structural defaulting, see <see cref="SchemaDefaults"/>).</summary>
    public JsonNode? Default { get; init; }

    /// <summary>Other <c>x-kubernetes-*</c> extensions, published as they are (patch strategy, list type, ...).</summary>
    public IReadOnlyDictionary<string, JsonNode>? Extensions { get; init; }

    /// <summary>When set, OpenAPI publishes this node once under <c>components.schemas</c> and refers to it by <c>$ref</c>.</summary>
    public string? ComponentName { get; init; }
}

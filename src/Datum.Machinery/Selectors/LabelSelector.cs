using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Selectors;

/// <summary>
/// A parsed, validated Kubernetes label selector. All requirements are ANDed. A selector with no
/// requirements matches every object; the special <see cref="Nothing"/> selector (a null
/// <c>metav1.LabelSelector</c>) matches no object. Instances are immutable and thread-safe.
/// </summary>
public sealed class LabelSelector
{
    private readonly IReadOnlyList<LabelRequirement> _requirements;
    private readonly bool _matchesNothing;

    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool matchesNothing)
    {
        _requirements = requirements;
        _matchesNothing = matchesNothing;
    }

    /// <summary>The selector that matches every object.</summary>
    public static LabelSelector Everything { get; } = new([], matchesNothing: false);

    /// <summary>The selector that matches no object (what a null metav1.LabelSelector means).</summary>
    public static LabelSelector Nothing { get; } = new([], matchesNothing: true);

    /// <summary>True when the selector has no requirements and so matches every object.</summary>
    public bool IsEverything => !_matchesNothing && _requirements.Count == 0;

    /// <summary>True when the selector matches no object at all.</summary>
    public bool IsNothing => _matchesNothing;

    /// <summary>
    /// Parses the query-string syntax (<c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
    /// <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>, <c>k&gt;1</c>, <c>k&lt;1</c>, comma = AND).
    /// Null, empty or all-whitespace text yields <see cref="Everything"/>.
    /// </summary>
    /// <exception cref="SelectorParseException">The text is not a valid selector.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        return new LabelSelector(LabelSelectorParser.Parse(text), matchesNothing: false);
    }

    /// <summary>
    /// Converts the object form <c>{matchLabels:{k:v}, matchExpressions:[{key, operator, values}]}</c>.
    /// Following Kubernetes, a null (or JSON null) selector matches nothing, while an empty object
    /// matches everything. Operators are In, NotIn, Exists and DoesNotExist.
    /// </summary>
    /// <exception cref="SelectorParseException">The object is malformed or fails validation.</exception>
    public static LabelSelector FromJson(JsonNode? metaV1LabelSelector)
    {
        if (metaV1LabelSelector is null)
        {
            return Nothing;
        }
        if (metaV1LabelSelector is not JsonObject selector)
        {
            throw new SelectorParseException("a label selector must be an object");
        }

        var requirements = new List<LabelRequirement>();
        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels)
            {
                requirements.Add(LabelRequirement.Create(key, LabelOperator.Equals, [StringOf(value, "matchLabels")]));
            }
        }
        else if (selector["matchLabels"] is not null)
        {
            throw new SelectorParseException("matchLabels must be an object");
        }

        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var node in expressions)
            {
                requirements.Add(ExpressionToRequirement(node));
            }
        }
        else if (selector["matchExpressions"] is not null)
        {
            throw new SelectorParseException("matchExpressions must be an array");
        }

        return new LabelSelector(requirements, matchesNothing: false);
    }

    private static LabelRequirement ExpressionToRequirement(JsonNode? node)
    {
        if (node is not JsonObject expression)
        {
            throw new SelectorParseException("each matchExpressions entry must be an object");
        }
        var key = StringOf(expression["key"], "key");
        var opText = StringOf(expression["operator"], "operator");
        var values = new List<string>();
        if (expression["values"] is JsonArray array)
        {
            foreach (var v in array)
            {
                values.Add(StringOf(v, "values"));
            }
        }
        else if (expression["values"] is not null)
        {
            throw new SelectorParseException("values must be an array of strings");
        }

        var op = opText switch
        {
            "In" => LabelOperator.In,
            "NotIn" => LabelOperator.NotIn,
            "Exists" => LabelOperator.Exists,
            "DoesNotExist" => LabelOperator.DoesNotExist,
            _ => throw new SelectorParseException($"\"{opText}\" is not a valid label selector operator"),
        };
        return LabelRequirement.Create(key, op, values);
    }

    private static string StringOf(JsonNode? node, string field)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }
        throw new SelectorParseException($"{field} must be a string");
    }

    /// <summary>Evaluates the selector against a <c>metadata.labels</c> object; null means no labels.</summary>
    public bool Matches(JsonObject? labels)
    {
        if (_matchesNothing)
        {
            return false;
        }
        return MatchesAll(key =>
        {
            if (labels is null || !labels.TryGetPropertyValue(key, out var node) || node is null)
            {
                return null;
            }
            return node is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : node.ToJsonString();
        });
    }

    /// <summary>Evaluates the selector against a label map; null means no labels.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (_matchesNothing)
        {
            return false;
        }
        return MatchesAll(key => labels is not null && labels.TryGetValue(key, out var v) ? v : null);
    }

    private bool MatchesAll(Func<string, string?> lookup)
    {
        foreach (var requirement in _requirements)
        {
            if (!requirement.Matches(lookup))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The canonical string form (requirements sorted by key, values sorted), parseable by
    /// <see cref="Parse"/>. <see cref="Nothing"/> has no string form and renders as an empty string.
    /// </summary>
    public override string ToString() =>
        string.Join(",", _requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.ToString()));
}

using System.Text;

namespace Datum.Machinery.Selectors;

/// <summary>
/// A parsed Kubernetes field selector: comma-separated <c>field=value</c>, <c>field==value</c>
/// and <c>field!=value</c> terms, ANDed. Values may escape <c>\,</c>, <c>\=</c> and <c>\\</c>.
/// Instances are immutable and thread-safe.
/// </summary>
public sealed class FieldSelector
{
    private static readonly string[] Operators = ["!=", "==", "="];

    private FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    /// <summary>The requirements in the order they were written.</summary>
    public IReadOnlyList<FieldRequirement> Requirements { get; }

    /// <summary>True when there are no requirements, so every object matches.</summary>
    public bool IsEverything => Requirements.Count == 0;

    /// <summary>
    /// Parses the query-string syntax. Null or empty text matches everything. As in Kubernetes,
    /// the text is not trimmed: whitespace is part of the field name or value.
    /// </summary>
    /// <exception cref="SelectorParseException">A term has no operator or a value has an invalid escape.</exception>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new FieldSelector([]);
        }

        var requirements = new List<FieldRequirement>();
        foreach (var term in SplitTerms(text))
        {
            if (term.Length == 0)
            {
                continue;
            }
            requirements.Add(ParseTerm(term, text));
        }
        return new FieldSelector(requirements);
    }

    /// <summary>
    /// True when every requirement holds. <paramref name="fieldValue"/> returns a field's value;
    /// a null (missing) value is compared as the empty string.
    /// </summary>
    public bool Matches(Func<string, string?> fieldValue)
    {
        ArgumentNullException.ThrowIfNull(fieldValue);
        foreach (var requirement in Requirements)
        {
            var actual = fieldValue(requirement.Field) ?? string.Empty;
            var equal = string.Equals(actual, requirement.Value, StringComparison.Ordinal);
            if (equal != (requirement.Operator == FieldOperator.Equals))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The value that <paramref name="field"/> must equal (from a <c>field=value</c> term), or null
    /// when the selector does not pin the field. Lets a caller narrow a query, e.g. by metadata.name.
    /// </summary>
    public string? ExactValue(string field)
    {
        foreach (var requirement in Requirements)
        {
            if (requirement.Operator == FieldOperator.Equals
                && string.Equals(requirement.Field, field, StringComparison.Ordinal))
            {
                return requirement.Value;
            }
        }
        return null;
    }

    /// <summary>The selector rendered back to the query-string syntax, with values re-escaped.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r =>
        r.Field + (r.Operator == FieldOperator.Equals ? "=" : "!=") + Escape(r.Value)));

    private static string Escape(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace(",", @"\,", StringComparison.Ordinal)
            .Replace("=", @"\=", StringComparison.Ordinal);

    // Splits on commas that are not escaped; escapes are kept for the value unescaping step.
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }
        terms.Add(text[start..]);
        return terms;
    }

    private static FieldRequirement ParseTerm(string term, string whole)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\')
            {
                i++;
                continue;
            }
            foreach (var op in Operators)
            {
                if (string.CompareOrdinal(term, i, op, 0, op.Length) == 0)
                {
                    var field = term[..i];
                    var value = Unescape(term[(i + op.Length)..], whole);
                    var kind = op == "!=" ? FieldOperator.NotEquals : FieldOperator.Equals;
                    return new FieldRequirement(field, kind, value);
                }
            }
        }
        throw new SelectorParseException($"invalid selector: '{whole}'; can't understand '{term}'");
    }

    private static string Unescape(string value, string whole)
    {
        if (value.IndexOf('\\', StringComparison.Ordinal) < 0 && value.IndexOf('=', StringComparison.Ordinal) < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\')
            {
                if (i + 1 >= value.Length)
                {
                    throw new SelectorParseException(
                        $"invalid field selector: '{whole}': invalid trailing escape sequence: '{value}'");
                }
                var next = value[++i];
                if (next is not ('\\' or ',' or '='))
                {
                    throw new SelectorParseException(
                        $"invalid field selector: '{whole}': invalid escape sequence: '\\{next}'");
                }
                builder.Append(next);
            }
            else if (c is ',' or '=')
            {
                throw new SelectorParseException(
                    $"invalid field selector: '{whole}': unescaped character '{c}' in value '{value}'");
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}

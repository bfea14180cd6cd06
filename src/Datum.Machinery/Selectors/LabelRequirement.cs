using System.Globalization;

namespace Datum.Machinery.Selectors;

/// <summary>One validated clause of a label selector; all clauses of a selector are ANDed.</summary>
internal sealed class LabelRequirement
{
    public LabelRequirement(string key, LabelOperator op, IReadOnlyList<string> values)
    {
        Key = key;
        Operator = op;
        Values = values;
    }

    public string Key { get; }

    public LabelOperator Operator { get; }

    public IReadOnlyList<string> Values { get; }

    /// <summary>Validates the requirement the way Kubernetes' labels.NewRequirement does.</summary>
    public static LabelRequirement Create(string key, LabelOperator op, IReadOnlyList<string> values)
    {
        LabelValidation.ValidateKey(key);
        switch (op)
        {
            case LabelOperator.In:
            case LabelOperator.NotIn:
                if (values.Count == 0)
                {
                    throw new SelectorParseException("for 'in', 'notin' operators, values set can't be empty");
                }
                break;
            case LabelOperator.Equals:
            case LabelOperator.NotEquals:
                if (values.Count != 1)
                {
                    throw new SelectorParseException("exact-match compatibility requires one single value");
                }
                break;
            case LabelOperator.Exists:
            case LabelOperator.DoesNotExist:
                if (values.Count != 0)
                {
                    throw new SelectorParseException("values set must be empty for exists and does not exist");
                }
                break;
            case LabelOperator.GreaterThan:
            case LabelOperator.LessThan:
                if (values.Count != 1)
                {
                    throw new SelectorParseException("for 'Gt', 'Lt' operators, exactly one value is required");
                }
                if (!long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    throw new SelectorParseException("for 'Gt', 'Lt' operators, the value must be an integer");
                }
                break;
        }

        foreach (var value in values)
        {
            LabelValidation.ValidateValue(value);
        }

        return new LabelRequirement(key, op, values);
    }

    public bool Matches(Func<string, string?> lookup)
    {
        var actual = lookup(Key);
        switch (Operator)
        {
            case LabelOperator.Equals:
            case LabelOperator.In:
                return actual is not null && Contains(actual);
            case LabelOperator.NotEquals:
            case LabelOperator.NotIn:
                return actual is null || !Contains(actual);
            case LabelOperator.Exists:
                return actual is not null;
            case LabelOperator.DoesNotExist:
                return actual is null;
            case LabelOperator.GreaterThan:
            case LabelOperator.LessThan:
                // A label that is not an integer never satisfies a numeric comparison, as in Kubernetes.
                if (actual is null
                    || !long.TryParse(actual, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var have))
                {
                    return false;
                }
                var want = long.Parse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return Operator == LabelOperator.GreaterThan ? have > want : have < want;
            default:
                return false;
        }
    }

    private bool Contains(string value)
    {
        foreach (var v in Values)
        {
            if (string.Equals(v, value, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public override string ToString()
    {
        var sorted = Values.OrderBy(v => v, StringComparer.Ordinal).ToArray();
        return Operator switch
        {
            LabelOperator.Equals => $"{Key}={sorted[0]}",
            LabelOperator.NotEquals => $"{Key}!={sorted[0]}",
            LabelOperator.In => $"{Key} in ({string.Join(",", sorted)})",
            LabelOperator.NotIn => $"{Key} notin ({string.Join(",", sorted)})",
            LabelOperator.Exists => Key,
            LabelOperator.DoesNotExist => "!" + Key,
            LabelOperator.GreaterThan => $"{Key}>{sorted[0]}",
            LabelOperator.LessThan => $"{Key}<{sorted[0]}",
            _ => Key,
        };
    }
}

namespace Datum.Machinery.Selectors;

/// <summary>The relation a single label requirement expresses between a key and its values.</summary>
internal enum LabelOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

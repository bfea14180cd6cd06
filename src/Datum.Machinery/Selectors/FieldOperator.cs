namespace Datum.Machinery.Selectors;

/// <summary>How a field selector requirement compares a field with its value.</summary>
public enum FieldOperator
{
    /// <summary><c>field=value</c> or <c>field==value</c>.</summary>
    Equals,

    /// <summary><c>field!=value</c>.</summary>
    NotEquals,
}

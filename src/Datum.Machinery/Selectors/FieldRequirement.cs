namespace Datum.Machinery.Selectors;

/// <summary>One clause of a field selector; <paramref name="Value"/> is already unescaped.</summary>
/// <param name="Field">The field path, e.g. <c>metadata.name</c>.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Value">The literal value to compare with.</param>
public sealed record FieldRequirement(string Field, FieldOperator Operator, string Value);

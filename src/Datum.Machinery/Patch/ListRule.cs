namespace Datum.Machinery.Patch;

/// <summary>
/// How a strategic merge patch combines a list with the original: lists of objects merge item by
/// item on <paramref name="MergeKey"/> (<c>patchMergeKey</c>); lists of scalars merge as a set
/// when <paramref name="MergePrimitives"/> is true (<c>patchStrategy: merge</c> on a scalar list).
/// Lists without a rule are replaced atomically.
/// </summary>
/// <param name="MergeKey">The field identifying an item in a list of objects, e.g. <c>uid</c> or <c>name</c>.</param>
/// <param name="MergePrimitives">Whether a list of scalars merges as an ordered set.</param>
public sealed record ListRule(string? MergeKey, bool MergePrimitives);

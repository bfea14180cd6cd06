using System.Collections.Immutable;

namespace Datum.Machinery.Patch;

/// <summary>
/// The strategic-merge metadata of a kind, keyed by dotted field path from the object root where
/// list items add no segment (e.g. <c>metadata.ownerReferences</c>,
/// <c>spec.template.spec.containers</c>). Immutable: the <c>With…</c> methods return new schemas.
/// </summary>
public sealed class StrategicMergeSchema
{
    private readonly ImmutableDictionary<string, ListRule> _lists;
    private readonly ImmutableHashSet<string> _retainKeys;

    private StrategicMergeSchema(ImmutableDictionary<string, ListRule> lists, ImmutableHashSet<string> retainKeys)
    {
        _lists = lists;
        _retainKeys = retainKeys;
    }

    /// <summary>A schema with no rules: every list is replaced atomically, maps merge recursively.</summary>
    public static StrategicMergeSchema Empty { get; } =
        new(ImmutableDictionary.Create<string, ListRule>(StringComparer.Ordinal), ImmutableHashSet.Create<string>(StringComparer.Ordinal));

    /// <summary>
    /// The rules of ObjectMeta shared by every kind: <c>metadata.ownerReferences</c> merges on
    /// <c>uid</c> and <c>metadata.finalizers</c> merges as a set of strings.
    /// </summary>
    public static StrategicMergeSchema ForObjectMeta() => Empty
        .WithList("metadata.ownerReferences", new ListRule("uid", MergePrimitives: false))
        .WithList("metadata.finalizers", new ListRule(null, MergePrimitives: true));

    /// <summary>Returns a copy of this schema in which the list at <paramref name="path"/> follows <paramref name="rule"/>.</summary>
    public StrategicMergeSchema WithList(string path, ListRule rule)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(rule);
        return new StrategicMergeSchema(_lists.SetItem(path, rule), _retainKeys);
    }

    /// <summary>
    /// Returns a copy of this schema recording that the field at <paramref name="path"/> has the
    /// <c>retainKeys</c> strategy. As in Kubernetes, a <c>$retainKeys</c> directive is honoured
    /// wherever a patch sends one; this records the declaration for callers that inspect it.
    /// </summary>
    public StrategicMergeSchema WithRetainKeys(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new StrategicMergeSchema(_lists, _retainKeys.Add(path));
    }

    /// <summary>The rule for the list at <paramref name="path"/>, or null when that list is atomic.</summary>
    public ListRule? ListAt(string path) => _lists.TryGetValue(path, out var rule) ? rule : null;

    /// <summary>Whether the field at <paramref name="path"/> was declared with the retainKeys strategy.</summary>
    public bool HasRetainKeys(string path) => _retainKeys.Contains(path);
}

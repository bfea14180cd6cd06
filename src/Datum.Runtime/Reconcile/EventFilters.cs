using Datum.Runtime.Api;

namespace Datum.Runtime.Reconcile;

/// <summary>Decides which changes of a watched kind reach the queue. Every member returns true to let it through.</summary>
public interface IEventFilter
{
    /// <summary>An object appeared.</summary>
    bool Create(IKubeObject obj) => true;

    /// <summary>An object changed.</summary>
    bool Update(IKubeObject oldObj, IKubeObject newObj) => true;

    /// <summary>An object went away.</summary>
    bool Delete(IKubeObject obj) => true;
}

/// <summary>Stock filters.</summary>
public static class EventFilters
{
    /// <summary>
    /// Updates pass only when <c>metadata.generation</c> changed (spec edits), so a controller that writes status
    /// does not wake itself. Creates and deletes always pass. An explicit choice: without it every update passes.
    /// </summary>
    public static IEventFilter GenerationChanged { get; } = new GenerationChangedFilter();

    /// <summary>Passes objects for which <paramref name="predicate"/> holds (on updates: the new object).</summary>
    public static IEventFilter Where(Func<IKubeObject, bool> predicate) => new PredicateFilter(predicate);

    /// <summary>
    /// Passes updates for which <paramref name="update"/> holds (old, new), creations for which <paramref name="create"/>
    /// holds (all when null), and every deletion.
    /// </summary>
    public static IEventFilter Updates(Func<IKubeObject, IKubeObject, bool> update, Func<IKubeObject, bool>? create = null) => new UpdateFilter(update, create);

    /// <summary>
    /// Updates pass unless only <c>status</c> changed: a new generation (spec), deletion timestamp, finalizers, owner
    /// references, labels or annotations let them through. For a controller that owns (part of) its kind's status and
    /// must not wake itself with each of its own status writes; creates and deletes always pass.
    /// </summary>
    public static IEventFilter NotStatusOnly { get; } = new NotStatusOnlyFilter();

    /// <summary>Whether anything but <c>status</c> (and the server's bookkeeping) differs between the two versions.</summary>
    public static bool MetadataOrSpecChanged(IKubeObject oldObj, IKubeObject newObj)
    {
        ArgumentNullException.ThrowIfNull(oldObj);
        ArgumentNullException.ThrowIfNull(newObj);
        var (o, n) = (oldObj.Metadata, newObj.Metadata);
        return o.Generation != n.Generation || o.DeletionTimestamp != n.DeletionTimestamp
            || !(o.Finalizers ?? []).SequenceEqual(n.Finalizers ?? [])
            || !(o.OwnerReferences ?? []).SequenceEqual(n.OwnerReferences ?? [])
            || !SameMap(o.Labels, n.Labels) || !SameMap(o.Annotations, n.Annotations);
    }

    private static bool SameMap(Dictionary<string, string>? a, Dictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        foreach (var (key, value) in a ?? [])
        {
            if (b is null || !b.TryGetValue(key, out var other) || other != value) return false;
        }
        return true;
    }

    private sealed class NotStatusOnlyFilter : IEventFilter
    {
        public bool Update(IKubeObject oldObj, IKubeObject newObj) => MetadataOrSpecChanged(oldObj, newObj);
    }

    private sealed class GenerationChangedFilter : IEventFilter
    {
        public bool Update(IKubeObject oldObj, IKubeObject newObj) => oldObj.Metadata.Generation != newObj.Metadata.Generation;
    }

    private sealed class UpdateFilter(Func<IKubeObject, IKubeObject, bool> update, Func<IKubeObject, bool>? create) : IEventFilter
    {
        public bool Create(IKubeObject obj) => create?.Invoke(obj) ?? true;

        public bool Update(IKubeObject oldObj, IKubeObject newObj) => update(oldObj, newObj);
    }

    private sealed class PredicateFilter(Func<IKubeObject, bool> predicate) : IEventFilter
    {
        public bool Create(IKubeObject obj) => predicate(obj);

        public bool Update(IKubeObject oldObj, IKubeObject newObj) => predicate(newObj);

        public bool Delete(IKubeObject obj) => predicate(obj);
    }
}

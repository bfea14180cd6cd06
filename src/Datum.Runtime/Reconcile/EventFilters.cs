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

    private sealed class GenerationChangedFilter : IEventFilter
    {
        public bool Update(IKubeObject oldObj, IKubeObject newObj) => oldObj.Metadata.Generation != newObj.Metadata.Generation;
    }

    private sealed class PredicateFilter(Func<IKubeObject, bool> predicate) : IEventFilter
    {
        public bool Create(IKubeObject obj) => predicate(obj);

        public bool Update(IKubeObject oldObj, IKubeObject newObj) => predicate(newObj);

        public bool Delete(IKubeObject obj) => predicate(obj);
    }
}

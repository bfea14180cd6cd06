namespace Datum.Runtime.Informers;

/// <summary>
/// Receives an informer's changes after its cache has applied them. Called on the informer's loop, one change at a
/// time and in order: handlers must be quick (enqueue work) and must not modify the objects (they are the cache's).
/// </summary>
public interface IResourceEventHandler<in T>
{
    /// <summary>An object appeared (from the initial list, a relist or a watch).</summary>
    void OnAdd(T obj);

    /// <summary>An object changed (its resourceVersion differs).</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <summary>An object went away; <paramref name="obj"/> is its last known state.</summary>
    void OnDelete(T obj);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; missing ones ignore the change.</summary>
public sealed class ResourceEventHandler<T>(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) : IResourceEventHandler<T>
{
    /// <inheritdoc />
    public void OnAdd(T obj) => onAdd?.Invoke(obj);

    /// <inheritdoc />
    public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);

    /// <inheritdoc />
    public void OnDelete(T obj) => onDelete?.Invoke(obj);
}

using Datum.Runtime.Api;

namespace Datum.Runtime.Reconcile;

/// <summary>Finalizer helpers on <c>metadata.finalizers</c>; each returns whether it changed the object.</summary>
public static class Finalizers
{
    /// <summary>Adds <paramref name="finalizer"/> unless present.</summary>
    public static bool Add(IKubeObject obj, string finalizer)
    {
        var list = obj.Metadata.Finalizers ??= [];
        if (list.Contains(finalizer)) return false;
        list.Add(finalizer);
        return true;
    }

    /// <summary>Removes every occurrence of <paramref name="finalizer"/>.</summary>
    public static bool Remove(IKubeObject obj, string finalizer) => (obj.Metadata.Finalizers?.RemoveAll(f => f == finalizer) ?? 0) > 0;

    /// <summary>Whether <paramref name="finalizer"/> is present.</summary>
    public static bool Contains(IKubeObject obj, string finalizer) => obj.Metadata.Finalizers?.Contains(finalizer) == true;

    /// <summary>Whether the object is being deleted (deletionTimestamp set).</summary>
    public static bool IsBeingDeleted(IKubeObject obj) => obj.Metadata.DeletionTimestamp is not null;
}

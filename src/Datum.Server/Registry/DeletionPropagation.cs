using System.Text.Json.Nodes;
using Datum.Machinery.Objects;

namespace Datum.Server.Registry;

/// <summary>What happens to an object's dependents when it is deleted (<c>DeleteOptions.propagationPolicy</c>).</summary>
public enum DeletionPropagation
{
    /// <summary>Delete the owner now; the garbage collector deletes dependents afterwards (the default).</summary>
    Background,
    /// <summary>Keep the owner (finalizer <c>foregroundDeletion</c>) until the dependents that block it are gone.</summary>
    Foreground,
    /// <summary>Keep the owner (finalizer <c>orphan</c>) until its references are removed from the dependents.</summary>
    Orphan,
}

/// <summary>The finalizers the store adds for <see cref="DeletionPropagation"/> and the garbage collector removes.</summary>
public static class GarbageCollectionFinalizers
{
    /// <summary>Dependents are being deleted before the owner (<c>metav1.FinalizerDeleteDependents</c>).</summary>
    public const string Foreground = "foregroundDeletion";

    /// <summary>Dependents are being orphaned before the owner goes (<c>metav1.FinalizerOrphanDependents</c>).</summary>
    public const string Orphan = "orphan";

    /// <summary>
    /// Makes the GC finalizers of <paramref name="obj"/> say <paramref name="policy"/>: both are removed, then the
    /// one the policy needs is added (as kube-apiserver's deletionFinalizersForGarbageCollection). True when the
    /// set of finalizers changed.
    /// </summary>
    public static bool Apply(JsonObject obj, DeletionPropagation policy)
    {
        var before = ObjectFields.Finalizers(obj);
        var after = before.Where(f => f is not (Foreground or Orphan)).ToList();
        if (policy == DeletionPropagation.Foreground) after.Add(Foreground);
        if (policy == DeletionPropagation.Orphan) after.Add(Orphan);
        if (before.ToHashSet(StringComparer.Ordinal).SetEquals(after)) return false;
        var meta = ObjectFields.Metadata(obj);
        if (after.Count == 0) meta.Remove("finalizers");
        else meta["finalizers"] = new JsonArray(after.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        return true;
    }
}

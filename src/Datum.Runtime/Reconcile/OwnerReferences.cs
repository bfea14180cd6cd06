using Datum.Runtime.Api;

namespace Datum.Runtime.Reconcile;

/// <summary>Owner reference helpers.</summary>
public static class OwnerReferences
{
    /// <summary>
    /// Makes <paramref name="owner"/> the managing controller of <paramref name="owned"/> (controller=true,
    /// blockOwnerDeletion=true). Returns whether it changed anything; throws <see cref="InvalidOperationException"/>
    /// when another object is already the controller. Both must be in the same namespace (or the owner cluster-scoped).
    /// </summary>
    public static bool SetControllerReference(IKubeObject owner, IKubeObject owned, ResourceType? ownerType = null)
    {
        var apiVersion = owner.ApiVersion ?? ownerType?.ApiVersion ?? throw new ArgumentException("the owner has no apiVersion; pass its ResourceType", nameof(owner));
        var kind = owner.Kind ?? ownerType?.Kind ?? throw new ArgumentException("the owner has no kind; pass its ResourceType", nameof(owner));
        var uid = owner.Metadata.Uid ?? throw new ArgumentException("the owner has no uid (create it first)", nameof(owner));
        if (owner.Metadata.Namespace is { Length: > 0 } ns && ns != owned.Metadata.Namespace)
        {
            throw new ArgumentException($"a namespaced owner ({ns}) cannot own an object in another namespace ({owned.Metadata.Namespace})", nameof(owned));
        }
        var refs = owned.Metadata.OwnerReferences ??= [];
        var existing = refs.FirstOrDefault(r => r.Controller == true);
        if (existing is not null && existing.Uid != uid)
        {
            throw new InvalidOperationException($"{owned.Metadata.Name} is already controlled by {existing.Kind} {existing.Name}");
        }
        var desired = new OwnerReference { ApiVersion = apiVersion, Kind = kind, Name = owner.Metadata.Name!, Uid = uid, Controller = true, BlockOwnerDeletion = true };
        var index = refs.FindIndex(r => r.Uid == uid);
        if (index >= 0 && refs[index] == desired) return false;
        if (index >= 0) refs[index] = desired;
        else refs.Add(desired);
        return true;
    }

    /// <summary>The controller owner reference, or null.</summary>
    public static OwnerReference? GetController(IKubeObject obj) => obj.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true);
}

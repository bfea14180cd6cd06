using Datum.Runtime.Api;

namespace Datum.Runtime.Reconcile;

/// <summary>An object's namespace (null when cluster-scoped) and name.</summary>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    /// <summary>The key of <paramref name="obj"/>.</summary>
    public static ObjectKey Of(IKubeObject obj) => new(string.IsNullOrEmpty(obj.Metadata.Namespace) ? null : obj.Metadata.Namespace, obj.Metadata.Name ?? "");
}

/// <summary>Maps a changed object to the objects to reconcile. The builder's Owns and Watches are made of these.</summary>
public static class RequestMappers
{
    /// <summary>The object itself (For).</summary>
    public static Func<IKubeObject, IEnumerable<ObjectKey>> Self { get; } = static obj => [ObjectKey.Of(obj)];

    /// <summary>
    /// The owner of kind <paramref name="owner"/> named in the object's owner references (Owns): only the
    /// controller reference unless <paramref name="everyOwner"/>. Owners live in the object's namespace.
    /// </summary>
    public static Func<IKubeObject, IEnumerable<ObjectKey>> Owner(ResourceType owner, bool everyOwner = false) => obj =>
        obj.Metadata.OwnerReferences?
            .Where(r => (everyOwner || r.Controller == true) && r.Kind == owner.Kind && ApiGroup(r.ApiVersion) == owner.Group)
            .Select(r => new ObjectKey(owner.Namespaced ? obj.Metadata.Namespace : null, r.Name)) ?? [];

    private static string ApiGroup(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        return slash < 0 ? "" : apiVersion[..slash];
    }
}

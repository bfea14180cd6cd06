namespace Datum.Server.Registry;

/// <summary>
/// Maps objects to store keys: <c>/registry/{cluster}/{group}/{resource}/[{namespace}/]{name}</c>. The cluster
/// segment is the tenant (a logical control plane); everything of a tenant shares its prefix.
/// </summary>
public static class StorageKeys
{
    /// <summary>The cluster every request of the platform control plane uses.</summary>
    public const string RootCluster = "root";

    /// <summary>Prefix of every object of a resource, in all namespaces.</summary>
    public static string ResourcePrefix(string cluster, ResourceDefinition definition) =>
        $"/registry/{cluster}/{(definition.Group.Length == 0 ? "core" : definition.Group)}/{definition.Plural}/";

    /// <summary>Prefix of a resource's objects in one namespace (or all, when <paramref name="ns"/> is null).</summary>
    public static string CollectionPrefix(string cluster, ResourceDefinition definition, string? ns) =>
        definition.Namespaced && !string.IsNullOrEmpty(ns)
            ? ResourcePrefix(cluster, definition) + ns + "/"
            : ResourcePrefix(cluster, definition);

    /// <summary>The key of one object.</summary>
    public static string ObjectKey(string cluster, ResourceDefinition definition, string? ns, string name) =>
        definition.Namespaced ? ResourcePrefix(cluster, definition) + ns + "/" + name : ResourcePrefix(cluster, definition) + name;

    /// <summary>The cluster segment of a key (<c>/registry/{cluster}/...</c>), or null when it is not an object key.</summary>
    public static string? ClusterOf(string key)
    {
        const string root = "/registry/";
        if (!key.StartsWith(root, StringComparison.Ordinal)) return null;
        var end = key.IndexOf('/', root.Length);
        return end < 0 ? null : key[root.Length..end];
    }

    /// <summary>Prefix of every key of one cluster.</summary>
    public static string ClusterPrefix(string cluster) => $"/registry/{cluster}/";

    /// <summary>The object name at the end of a key.</summary>
    public static string NameOf(string key) => key[(key.LastIndexOf('/') + 1)..];
}

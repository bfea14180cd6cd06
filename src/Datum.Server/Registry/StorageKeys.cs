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

    /// <summary>The object name at the end of a key.</summary>
    public static string NameOf(string key) => key[(key.LastIndexOf('/') + 1)..];
}

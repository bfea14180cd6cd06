using Datum.Server.Registry;

namespace Datum.Server.CustomResources;

/// <summary>
/// Conversion strategy <c>None</c>: custom resources are stored in their CRD's storage version, and reading
/// them through another served version only rewrites <c>apiVersion</c>.
/// </summary>
public static class CustomResourceVersions
{
    /// <summary>
    /// The bytes of a stored object as <paramref name="definition"/>'s version shows them: unchanged unless the
    /// kind is a custom resource served in a version other than the storage version.
    /// </summary>
    public static byte[] Present(ResourceDefinition definition, byte[] stored)
    {
        if (definition.Strategy is not CustomResourceStrategy strategy || strategy.StorageApiVersion == definition.ApiVersion) return stored;
        var obj = ObjectEncoding.Decode(stored);
        if (obj["apiVersion"]?.ToString() != strategy.StorageApiVersion) return stored;
        obj["apiVersion"] = definition.ApiVersion;
        return ObjectEncoding.Encode(obj);
    }

    /// <summary><see cref="Present(ResourceDefinition, byte[])"/> for a stored object record.</summary>
    public static Datum.Storage.StoredObject Present(ResourceDefinition definition, Datum.Storage.StoredObject stored)
    {
        var bytes = Present(definition, stored.Value);
        return ReferenceEquals(bytes, stored.Value) ? stored : stored with { Value = bytes };
    }

    /// <summary><see cref="Present(ResourceDefinition, byte[])"/> for a list; the same list when nothing changes.</summary>
    public static IReadOnlyList<Datum.Storage.StoredObject> Present(ResourceDefinition definition, IReadOnlyList<Datum.Storage.StoredObject> items)
    {
        if (definition.Strategy is not CustomResourceStrategy strategy || strategy.StorageApiVersion == definition.ApiVersion) return items;
        return items.Select(item => Present(definition, item)).ToList();
    }
}

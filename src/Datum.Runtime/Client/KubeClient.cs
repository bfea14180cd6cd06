using System.Text.Json.Serialization.Metadata;
using Datum.Runtime.Api;

namespace Datum.Runtime.Client;

/// <summary>
/// The API client of one logical control plane: hands out a <see cref="ResourceClient{T}"/> per kind. Every call
/// goes to the server (no cache); informers (<see cref="Informers.Informer{T}"/>) are the cached read path.
/// Thread-safe; share one per process and plane.
/// </summary>
public sealed class KubeClient(IApiTransport transport, string cluster = ClusterNames.Root)
{
    /// <summary>The transport underneath.</summary>
    public IApiTransport Transport { get; } = transport;

    /// <summary>The logical control plane this client talks to.</summary>
    public string Cluster { get; } = cluster;

    /// <summary>The same transport, another control plane.</summary>
    public KubeClient ForCluster(string cluster) => cluster == Cluster ? this : new KubeClient(Transport, cluster);

    /// <summary>The client of a typed kind.</summary>
    public ResourceClient<T> Resource<T>() where T : class, IKubeObject<T> => new(this, T.Resource, T.JsonTypeInfo);

    /// <summary>The client of any kind, unstructured.</summary>
    public ResourceClient<Unstructured> Resource(ResourceType type) => new(this, type, RuntimeJsonContext.Default.Unstructured);

    /// <summary>The client of a kind given its resource and JSON contract explicitly.</summary>
    public ResourceClient<T> Resource<T>(ResourceType type, JsonTypeInfo<T> typeInfo) where T : class, IKubeObject => new(this, type, typeInfo);
}

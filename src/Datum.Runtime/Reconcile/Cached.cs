using Datum.Runtime.Api;
using Datum.Runtime.Clusters;

namespace Datum.Runtime.Reconcile;

/// <summary>
/// Reads for the hot reconcile paths: the informer cache's copy (shared: never mutate it; write through
/// <see cref="ObjectOperations.UpdateStatusFromAsync{T}"/>, which clones), else the server.
/// A cached copy may be a little stale; the writes made from it carry its resourceVersion, so staleness costs a
/// conflict and a re-read, never a lost update. Paths that must not act on a stale view (releasing addresses) read
/// the server.
/// </summary>
public static class Cached
{
    /// <summary>The object from the cache, or from the server when the cache does not have it (yet).</summary>
    public static async Task<T?> GetAsync<T>(ICluster cluster, string? ns, string name, CancellationToken ct) where T : class, IKubeObject<T> =>
        cluster.Informers.For<T>().Cache.Get(ns, name) ?? await cluster.Client.Resource<T>().TryGetAsync(ns, name, ct).ConfigureAwait(false);

    /// <summary>
    /// The object from the cache; once the cache has synced, its absence is believed without asking the server. Only
    /// for a lookup whose "absent" answer leads to an idempotent create (AlreadyExists tells the truth).
    /// </summary>
    public static async Task<T?> GetOrAbsentAsync<T>(ICluster cluster, string? ns, string name, CancellationToken ct) where T : class, IKubeObject<T>
    {
        var informer = cluster.Informers.For<T>();
        return informer.Cache.Get(ns, name) ?? (informer.HasSynced ? null : await cluster.Client.Resource<T>().TryGetAsync(ns, name, ct).ConfigureAwait(false));
    }
}

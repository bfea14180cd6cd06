using System.Globalization;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Controllers;

/// <summary>
/// Chooses the Location of a WorkloadDeployment. The rule (docs/decisions.md, "Compute placement"):
/// <list type="number">
/// <item>Candidates: Locations (platform, not being deleted) whose <c>topology.datum.net/city-code</c> equals the
/// deployment's city code. None → <c>NoCandidateLocations</c> (or <c>NoLocations</c> when there are none at all).</item>
/// <item>Capacity: a Location may carry the provider's annotation <c>compute.datumapis.com/instance-capacity</c> (a
/// number of instances); a candidate whose load plus this deployment's <c>minReplicas</c> exceeds it is dropped.
/// All dropped → <c>InsufficientCapacity</c>.</item>
/// <item>Load: the sum of <c>minReplicas</c> of every deployment already placed on the Location, across every engaged
/// control plane, plus placements decided here but not yet visible in the caches.</item>
/// <item>The least loaded candidate wins; ties go to the Location whose name is first in ordinal order.</item>
/// </list>
/// A deployment keeps its Location while it exists (instances are not moved); the rule applies to new deployments and
/// to deployments whose Location was deleted.
/// </summary>
internal sealed class PlacementScheduler(Manager manager)
{
    /// <summary>The provider-reported capacity annotation on a Location.</summary>
    public const string CapacityAnnotation = "compute.datumapis.com/instance-capacity";

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Cluster, string Ns, string Name), (string Location, int Replicas)> _assumed = [];

    public async Task<bool> ExistsAsync(string location, CancellationToken ct) =>
        await manager.Client.ForCluster(ClusterNames.Root).Resource<LocationObject>().TryGetAsync(null, location, ct).ConfigureAwait(false) is { } l && !Finalizers.IsBeingDeleted(l);

    public void Forget(string cluster, string? ns, string name)
    {
        lock (_lock) _assumed.Remove((cluster, ns ?? "", name));
    }

    public async Task<(string? Location, string Reason, string Message)> ChooseAsync(string cluster, WorkloadDeploymentObject deployment, CancellationToken ct)
    {
        var all = (await manager.Client.ForCluster(ClusterNames.Root).Resource<LocationObject>().ListAsync(null, ct: ct).ConfigureAwait(false)).Items
            .Where(l => !Finalizers.IsBeingDeleted(l)).ToList();
        if (all.Count == 0) return (null, "NoLocations", "there are no Locations");
        var city = deployment.Spec.CityCode;
        var candidates = all.Where(l => string.Equals(l.Spec.Topology.GetValueOrDefault(NetworkingNames.CityCodeTopologyKey), city, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Count == 0)
        {
            var codes = all.Select(l => l.Spec.Topology.GetValueOrDefault(NetworkingNames.CityCodeTopologyKey)).OfType<string>().Distinct().Order(StringComparer.Ordinal);
            return (null, "NoCandidateLocations", $"no Location has city code {city} (available: {string.Join(", ", codes)})");
        }
        var me = (cluster, deployment.Metadata.Namespace ?? "", deployment.Metadata.Name!);
        var replicas = deployment.Spec.ScaleSettings.MinReplicas;
        lock (_lock)
        {
            var load = candidates.ToDictionary(l => l.Metadata.Name!, _ => 0L, StringComparer.Ordinal);
            var seen = new HashSet<(string, string, string)>();
            foreach (var c in manager.Clusters)
            {
                foreach (var d in c.Informers.For<WorkloadDeploymentObject>().Cache.List())
                {
                    var key = (c.Name, d.Metadata.Namespace ?? "", d.Metadata.Name!);
                    if (key == me || d.Status?.Location?.Name is not { } at) continue;
                    seen.Add(key);
                    if (load.ContainsKey(at)) load[at] += d.Spec.ScaleSettings.MinReplicas;
                }
            }
            foreach (var (key, (at, n)) in _assumed)
            {
                if (key != me && !seen.Contains(key) && load.ContainsKey(at)) load[at] += n;
            }
            var fitting = candidates.Where(l => Capacity(l) is not { } cap || load[l.Metadata.Name!] + replicas <= cap).ToList();
            if (fitting.Count == 0)
            {
                return (null, "InsufficientCapacity", $"every Location in {city} is at capacity: " + string.Join(", ", candidates.Select(l => $"{l.Metadata.Name} {load[l.Metadata.Name!]}/{Capacity(l)}")));
            }
            var chosen = fitting.OrderBy(l => load[l.Metadata.Name!]).ThenBy(l => l.Metadata.Name, StringComparer.Ordinal).First();
            _assumed[me] = (chosen.Metadata.Name!, replicas);
            return (chosen.Metadata.Name!, "LocationAssigned",
                $"location {chosen.Metadata.Name} (city {city}; least loaded of {candidates.Count} candidate(s), {load[chosen.Metadata.Name!]} instances placed there)");
        }
    }

    private static long? Capacity(LocationObject l) =>
        l.Metadata.Annotations?.GetValueOrDefault(CapacityAnnotation) is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}

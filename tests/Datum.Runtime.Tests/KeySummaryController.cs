using System.Globalization;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Runtime.Tests;

/// <summary>
/// The sample controller: keeps a <c>key-summary</c> ConfigMap in every namespace that has ConfigMaps, listing how
/// many keys each ConfigMap has and the namespace's total.
/// </summary>
public sealed class KeySummaryController(Manager manager) : IReconciler
{
    public const string SummaryName = "key-summary";

    public static Controller Setup(Manager manager) => manager.NewController()
        .For<ConfigMap>(EventFilters.Where(o => o.Metadata.Name == SummaryName))
        .Watches<ConfigMap>(cm => [new ObjectKey(cm.Metadata.Namespace, SummaryName)], EventFilters.Where(o => o.Metadata.Name != SummaryName))
        .Named("key-summary")
        .Complete(new KeySummaryController(manager));

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var cluster = manager.GetCluster(request.Cluster);
        var sources = cluster.Informers.For<ConfigMap>().Cache.List(request.Namespace!).Where(c => c.Metadata.Name != SummaryName).ToList();
        var configMaps = cluster.Client.Resource<ConfigMap>();
        if (sources.Count == 0)
        {
            if (await configMaps.TryGetAsync(request.Namespace, SummaryName, ct) is not null) await configMaps.DeleteAsync(request.Namespace, SummaryName, ct: ct);
            return ReconcileResult.Done;
        }
        var data = sources.ToDictionary(c => c.Metadata.Name!, c => (c.Data?.Count ?? 0).ToString(CultureInfo.InvariantCulture));
        data["total"] = sources.Sum(c => c.Data?.Count ?? 0).ToString(CultureInfo.InvariantCulture);
        var summary = new ConfigMap { Metadata = new() { Name = SummaryName, Namespace = request.Namespace } };
        await ObjectOperations.CreateOrUpdateAsync(configMaps, summary, cm => cm.Data = data, ct);
        return ReconcileResult.Done;
    }
}

using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Server.Builtins;
using Datum.Server.Registry;
using Datum.Server.Security;

namespace Datum.Server.Tenancy;

/// <summary>Creates the namespaces a control plane starts with. Safe to run again at any time.</summary>
public static class ControlPlaneBootstrap
{
    private static readonly UserInfo System = new("system:apiserver", null, [WellKnownGroups.SystemMasters]);

    /// <summary>Creates each namespace of <paramref name="names"/> in <paramref name="cluster"/> that does not exist yet.</summary>
    public static async Task EnsureNamespacesAsync(ResourceStore store, string cluster, IEnumerable<string> names, CancellationToken ct, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            var scope = new RequestScope { Definition = NamespaceKind.Definition, Cluster = cluster, User = System };
            var key = StorageKeys.ObjectKey(cluster, NamespaceKind.Definition, null, name);
            if (await store.Storage.GetAsync(key, ct).ConfigureAwait(false) is not null) continue;
            var metadata = new JsonObject { ["name"] = name };
            if (labels is { Count: > 0 })
            {
                var l = new JsonObject();
                foreach (var (k, v) in labels) l[k] = v;
                metadata["labels"] = l;
            }
            try
            {
                await store.CreateAsync(scope, new JsonObject { ["metadata"] = metadata }, ct).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
        }
    }
}

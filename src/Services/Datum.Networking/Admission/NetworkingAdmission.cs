using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Ipam;
using Datum.Server.Registry;
using Datum.Server.Tenancy;
using Datum.Storage;

namespace Datum.Networking.Admission;

/// <summary>
/// Checks that need other objects: Locations are written only in the platform; a NetworkBinding, SubnetClaim or
/// NetworkInterfaceClaim must
/// name a Location that exists; a SubnetClaim's start address must lie inside its network's range. Reads only.
/// </summary>
internal sealed class NetworkingAdmission(IRevisionedStore storage) : IAdmissionPlugin
{
    public async ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        var definition = scope.Definition;
        if (ReferenceEquals(definition, Location.Definition))
        {
            if (scope.User.Extra?.TryGetValue(ControlPlane.ParentTypeExtra, out var parent) == true && parent.Count > 0)
            {
                throw ApiException.Forbidden($"locations are managed in the platform control plane; this {parent[0].ToLowerInvariant()}'s control plane can only read them");
            }
            return;
        }
        if (operation != AdmissionOperation.Create || obj is null) return;
        if (ReferenceEquals(definition, NetworkBinding.Definition) || ReferenceEquals(definition, SubnetClaim.Definition) || ReferenceEquals(definition, NetworkInterfaceClaim.Definition))
        {
            var errors = new List<FieldError>();
            var location = ObjectFields.StringAt(obj, "spec.location.name");
            if (!string.IsNullOrEmpty(location) && await GetAsync(StorageKeys.RootCluster, Location.Definition, null, location, cancellationToken).ConfigureAwait(false) is null)
            {
                errors.Add(FieldError.Invalid("spec.location.name", location,
                    $"location \"{location}\" does not exist; `kubectl --context platform get locations` lists the locations"));
            }
            if (ReferenceEquals(definition, SubnetClaim.Definition)) await CheckStartAddressAsync(scope, obj, errors, cancellationToken).ConfigureAwait(false);
            if (errors.Count > 0) throw ApiException.Invalid(definition.GroupVersionKind, ObjectFields.Name(obj) ?? "", errors);
        }
    }

    private async Task CheckStartAddressAsync(RequestScope scope, JsonObject claim, List<FieldError> errors, CancellationToken ct)
    {
        var start = ObjectFields.StringAt(claim, "spec.startAddress");
        var contextName = ObjectFields.StringAt(claim, "spec.networkContext.name");
        if (string.IsNullOrEmpty(start) || string.IsNullOrEmpty(contextName) || !Cidr.TryParseAddress(start, out var address, out var v6)) return;
        var ns = ObjectFields.Namespace(claim) ?? scope.Namespace;
        var context = await GetAsync(scope.Cluster, NetworkContext.Definition, ns, contextName, ct).ConfigureAwait(false);
        var networkName = context is null ? null : ObjectFields.StringAt(context, "spec.network.name");
        if (networkName is null) return; // the claim waits for its context; the controller checks again
        var network = await GetAsync(scope.Cluster, Network.Definition, ns, networkName, ct).ConfigureAwait(false);
        if (network is null) return;
        var rangeText = v6 ? ObjectFields.StringAt(network, "status.ipam.ipv6Prefix") : ObjectFields.StringAt(network, "spec.ipam.ipv4Range");
        if (rangeText is null || !Cidr.TryParse(rangeText, out var range, out _)) return;
        if (!range.Contains(address))
        {
            errors.Add(FieldError.Invalid("spec.startAddress", start,
                $"is outside network \"{networkName}\"'s {(v6 ? "IPv6 prefix" : "IPv4 range")} {range}; pick an address inside it or leave startAddress empty"));
        }
    }

    private async Task<JsonObject?> GetAsync(string cluster, ResourceDefinition definition, string? ns, string name, CancellationToken ct)
    {
        var stored = await storage.GetAsync(StorageKeys.ObjectKey(cluster, definition, ns, name), ct).ConfigureAwait(false);
        return stored is null ? null : ObjectEncoding.Decode(stored.Value);
    }
}

using System.Text.Json.Nodes;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Compute.Admission;

/// <summary>
/// Checks that need other objects (compute's workload webhook): every city code of a Workload's placements must be the
/// city code of an existing Location (the platform's), otherwise 422 NotSupported listing the valid codes; and the
/// caller must hold <c>networking.datumapis.com/networks.use</c> on every Network the template attaches (asked of the
/// server's authorizer, as Datum's webhook asks a SubjectAccessReview), otherwise 403. Reads only.
/// </summary>
internal sealed class ComputeAdmission(IRevisionedStore storage) : IAdmissionPlugin
{
    public async ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(scope.Definition, Workload.Definition) || obj is null) return;
        if (operation is not (AdmissionOperation.Create or AdmissionOperation.Update)) return;
        await CheckNetworkUseAsync(scope, obj, old, cancellationToken).ConfigureAwait(false);
        if (obj["spec"]?["placements"] is not JsonArray placements) return;
        // Only changed placements are checked on update, so a workload whose Location went away can still be edited.
        var before = old?["spec"]?["placements"] as JsonArray;
        var valid = await CityCodesAsync(cancellationToken).ConfigureAwait(false);
        var errors = new List<FieldError>();
        for (var i = 0; i < placements.Count; i++)
        {
            if (placements[i]?["cityCodes"] is not JsonArray cities) continue;
            for (var j = 0; j < cities.Count; j++)
            {
                if (cities[j] is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String) continue;
                var city = v.GetValue<string>();
                if (valid.Contains(city)) continue;
                var wasThere = before?.Any(p => p?["cityCodes"] is JsonArray c && c.Any(x => x?.GetValueKind() == System.Text.Json.JsonValueKind.String && x.GetValue<string>() == city)) == true;
                if (wasThere) continue;
                errors.Add(FieldError.NotSupported($"spec.placements[{i}].cityCodes[{j}]", city, valid.Order(StringComparer.Ordinal)));
            }
        }
        if (errors.Count > 0) throw ApiException.Invalid(scope.Definition.GroupVersionKind, ObjectFields.Name(obj) ?? "", errors);
    }

    /// <summary>
    /// <c>use</c> on each attached Network, in the workload's namespace, as the requesting user. Writes that leave the
    /// spec alone (finalizers, labels) are not asked again; status writes never reach here with a spec change.
    /// </summary>
    private static async ValueTask CheckNetworkUseAsync(RequestScope scope, JsonObject obj, JsonObject? old, CancellationToken ct)
    {
        if (scope.Authorizer is not { } authorizer || scope.Subresource is not null) return;
        if (old is not null && JsonNode.DeepEquals(obj["spec"], old["spec"])) return;
        if (obj["spec"]?["template"]?["spec"]?["networkInterfaces"] is not JsonArray interfaces) return;
        var ns = ObjectFields.Namespace(obj) ?? scope.Namespace;
        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in interfaces)
        {
            if (item?["network"]?["name"] is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String) continue;
            var network = v.GetValue<string>();
            if (!asked.Add(network)) continue;
            var decision = await authorizer.AuthorizeAsync(scope.User,
                new Datum.Server.Authorization.AuthorizationAttributes("use", Network.Definition.Group, Network.Definition.Plural, null, ns, network), ct).ConfigureAwait(false);
            if (decision.Allowed) continue;
            var name = ObjectFields.Name(obj) ?? "";
            throw new ApiException(403, "Forbidden",
                $"workloads.{Workload.Definition.Group} \"{name}\" is forbidden: permission to use the network was denied: user \"{scope.User.Name}\" needs '{Network.Definition.Group}/{Network.Definition.Plural}.use' on Network \"{network}\" in namespace \"{ns}\" ({decision.Reason})")
            { DetailName = name, DetailGroup = Workload.Definition.Group, DetailKind = Workload.Definition.Plural };
        }
    }

    private async Task<HashSet<string>> CityCodesAsync(CancellationToken ct)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var prefix = StorageKeys.CollectionPrefix(StorageKeys.RootCluster, Location.Definition, null);
        string? after = null;
        while (true)
        {
            var page = await storage.ListAsync(prefix, new ListRequest(StartAfter: after, Limit: 500), ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                var location = ObjectEncoding.Decode(item.Value);
                if (ObjectFields.MetaString(location, "deletionTimestamp") is not null) continue;
                if (location["spec"]?["topology"]?[NetworkingNames.CityCodeTopologyKey] is JsonValue c && c.GetValueKind() == System.Text.Json.JsonValueKind.String) codes.Add(c.GetValue<string>());
            }
            if (!page.HasMore || page.Items.Count == 0) return codes;
            after = page.Items[^1].Key;
        }
    }
}

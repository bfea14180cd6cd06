using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.ResourceManager.Admission.ResourceManager;

/// <summary>
/// The project limit of an organization, the one place it is kept: Personal organizations hold at most
/// <see cref="PersonalLimit"/> projects, Standard ones <see cref="StandardLimit"/> (Datum's default grants). The
/// next create is 403 with Datum's quota message. Projects being deleted still count until they are gone.
/// </summary>
internal sealed class ProjectQuotaAdmission(IRevisionedStore storage) : IAdmissionPlugin
{
    /// <summary>Projects a Personal organization may hold.</summary>
    public const int PersonalLimit = 2;

    /// <summary>Projects a Standard organization may hold.</summary>
    public const int StandardLimit = 10;

    /// <summary>The message of a denied create.</summary>
    public const string Message = "Insufficient quota resources available. Review your quota usage and reach out to support if you need additional resources.";

    /// <summary>The limit for an organization of <paramref name="type"/>.</summary>
    public static int LimitFor(string? type) => type == Organization.Personal ? PersonalLimit : StandardLimit;

    /// <inheritdoc />
    public async ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(scope.Definition, Project.Definition) || operation != AdmissionOperation.Create || obj is null) return;
        if (Project.OrganizationOf(obj) is not { Length: > 0 } owner) return;
        var stored = await storage.GetAsync(StorageKeys.ObjectKey(StorageKeys.RootCluster, Organization.Definition, null, owner), cancellationToken).ConfigureAwait(false);
        if (stored is null) return;
        var limit = LimitFor(ObjectFields.StringAt(ObjectEncoding.Decode(stored.Value), "spec.type"));
        var prefix = StorageKeys.ResourcePrefix(StorageKeys.RootCluster, Project.Definition);
        // Decoding every project of the platform made each create cost O(all projects) in JSON parsing; the label's
        // value, a DNS label, appears as the JSON string "owner" in every project that carries it, so only those
        // are decoded and checked.
        var quotedOwner = System.Text.Encoding.UTF8.GetBytes("\"" + owner + "\"");
        var page = await storage.ListAsync(prefix, new ListRequest(Filter: item =>
            item.Value.AsSpan().IndexOf(quotedOwner) >= 0
            && ObjectFields.Labels(ObjectEncoding.Decode(item.Value))?[ResourceManagerNames.OrganizationNameLabel]?.ToString() == owner), cancellationToken).ConfigureAwait(false);
        if (page.Items.Count >= limit)
        {
            throw new ApiException(403, "Forbidden", Message) { DetailName = ObjectFields.Name(obj), DetailGroup = ResourceManagerNames.Group, DetailKind = "projects" };
        }
    }
}

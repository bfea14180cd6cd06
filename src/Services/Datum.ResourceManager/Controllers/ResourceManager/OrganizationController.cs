using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Builtins;
using Datum.Server.Registry;
using Datum.Server.Tenancy;

namespace Datum.ResourceManager.Controllers.ResourceManager;

/// <summary>
/// Organizations: creates (or adopts) the platform namespace <c>organization-{org}</c> with the organization as its
/// controller owner, bootstraps the organization's control plane (<c>default</c>), gives the creator recorded by
/// admission an owner membership, and sets <c>Ready</c>. On deletion empties the organization's control plane, then
/// deletes its namespace (and so everything in it) and removes the finalizer; its projects go with it through their
/// owner references.
/// </summary>
internal sealed class OrganizationController(StoreClient client, ControlPlanePurger purger, TimeProvider time) : IReconciler
{
    /// <summary>Watches organizations in the platform.</summary>
    public static IReadOnlyList<WatchSource> Sources { get; } =
    [
        new(StorageKeys.ResourcePrefix(StorageKeys.RootCluster, Organization.Definition), (key, _) => [new ReconcileRequest(StorageKeys.RootCluster, null, StorageKeys.NameOf(key))]),
    ];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name;
        var root = StorageKeys.RootCluster;
        var org = await client.GetAsync(Organization.Definition, root, null, name, cancellationToken).ConfigureAwait(false);
        if (org is null) return ReconcileResult.Done;
        var ns = ResourceManagerNames.OrganizationNamespace(name);

        if (StoreClient.IsDeleting(org))
        {
            if (!StoreClient.HasFinalizer(org, ResourceManagerNames.OrganizationFinalizer)) return ReconcileResult.Done;
            var progress = await purger.PurgeAsync(ResourceManagerNames.OrganizationCluster(name), cancellationToken).ConfigureAwait(false);
            if (!progress.Complete) return new ReconcileResult(ProjectController.CleanupPoll);
            try
            {
                await client.Store.DeleteAsync(client.Scope(NamespaceKind.Definition, root), ns, new DeletePreconditions(), cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
            await client.RemoveFinalizerAsync(Organization.Definition, root, null, name, ResourceManagerNames.OrganizationFinalizer, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (!StoreClient.HasFinalizer(org, ResourceManagerNames.OrganizationFinalizer))
        {
            await client.AddFinalizerAsync(Organization.Definition, root, null, name, ResourceManagerNames.OrganizationFinalizer, cancellationToken).ConfigureAwait(false);
        }
        var owner = new JsonObject
        {
            ["apiVersion"] = Organization.Definition.ApiVersion, ["kind"] = "Organization", ["name"] = name,
            ["uid"] = ObjectFields.MetaString(org, "uid"), ["controller"] = true, ["blockOwnerDeletion"] = true,
        };
        var existing = await client.GetAsync(NamespaceKind.Definition, root, null, ns, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await client.CreateIfMissingAsync(NamespaceKind.Definition, root, null, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = ns,
                    ["labels"] = new JsonObject { [ResourceManagerNames.OrganizationLabel] = name, [ResourceManagerNames.TypeLabel] = "organization" },
                    ["ownerReferences"] = new JsonArray(owner),
                },
            }, cancellationToken).ConfigureAwait(false);
        }
        else if (ObjectFields.Metadata(existing)["ownerReferences"] is not JsonArray refs || !refs.OfType<JsonObject>().Any(r => r["uid"]?.ToString() == owner["uid"]?.ToString()))
        {
            await client.UpdateAsync(NamespaceKind.Definition, root, null, ns, obj =>
            {
                var meta = ObjectFields.Metadata(obj);
                var list = meta["ownerReferences"] as JsonArray ?? [];
                list.Add(owner.DeepClone());
                meta["ownerReferences"] = list;
                return obj;
            }, cancellationToken).ConfigureAwait(false);
        }
        await ControlPlaneBootstrap.EnsureNamespacesAsync(client.Store, ResourceManagerNames.OrganizationCluster(name), ["default"], cancellationToken).ConfigureAwait(false);

        if ((ObjectFields.Metadata(org)["annotations"] as JsonObject)?[ResourceManagerNames.CreatorAnnotation]?.ToString() is { Length: > 0 } creator)
        {
            var user = await client.GetAsync(User.Definition, root, null, creator, cancellationToken).ConfigureAwait(false);
            var metadata = new JsonObject { ["name"] = MembershipName(creator) };
            if (user is not null)
            {
                metadata["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = User.Definition.ApiVersion, ["kind"] = "User", ["name"] = creator, ["uid"] = ObjectFields.MetaString(user, "uid"),
                });
            }
            await client.CreateIfMissingAsync(OrganizationMembership.Definition, root, ns, new JsonObject
            {
                ["metadata"] = metadata,
                ["spec"] = OwnerMembershipSpec(name, creator),
            }, cancellationToken).ConfigureAwait(false);
        }

        if (!Conditions.IsTrue(org, "Ready"))
        {
            await client.UpdateStatusAsync(Organization.Definition, root, null, name, obj =>
            {
                Conditions.Set(obj, "Ready", "True", "Ready", "Organization is ready", time.GetUtcNow());
                ((JsonObject)obj["status"]!)["observedGeneration"] = ObjectFields.Generation(obj);
                return obj;
            }, cancellationToken).ConfigureAwait(false);
        }
        return ReconcileResult.Done;
    }

    /// <summary>The name of a creator's membership: <c>member-{user}</c>, cut to a valid name.</summary>
    public static string MembershipName(string user)
    {
        var name = ("member-" + user.ToLowerInvariant()).Replace(':', '-');
        return name.Length > 253 ? name[..253] : name;
    }

    /// <summary>The spec of an owner membership.</summary>
    public static JsonObject OwnerMembershipSpec(string org, string user) => new()
    {
        ["organizationRef"] = new JsonObject { ["name"] = org },
        ["userRef"] = new JsonObject { ["name"] = user },
        ["roles"] = new JsonArray(new JsonObject { ["name"] = ResourceManagerNames.OwnerRole, ["namespace"] = ResourceManagerNames.OwnerRoleNamespace }),
    };
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Controllers.ResourceManager;
using Datum.Server.Builtins;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Server.Tenancy;

namespace Datum.ResourceManager.Controllers.Iam;

/// <summary>
/// Sign-up (Datum's PersonalOrganizationController): for every User, organization <c>personal-org-{h}</c>
/// (Personal, owned by the user) and membership <c>membership-{user}</c> with the owner role, where <c>h</c> is the
/// hex FNV-32a of the user's uid; once <c>status.registrationApproval</c> is <c>Approved</c>, project
/// <c>personal-project-{h}</c>, created as the user in the organization's context so admission attributes it.
/// </summary>
internal sealed class PersonalOrganizationController(StoreClient client) : IReconciler
{
    /// <summary>Watches users.</summary>
    public static IReadOnlyList<WatchSource> Sources { get; } =
    [
        new(StorageKeys.ResourcePrefix(StorageKeys.RootCluster, User.Definition), (key, _) => [new ReconcileRequest(StorageKeys.RootCluster, null, StorageKeys.NameOf(key))]),
    ];

    /// <summary>The hex FNV-32a hash of <paramref name="uid"/>.</summary>
    public static string Hash(string uid)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(uid))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var root = StorageKeys.RootCluster;
        var user = await client.GetAsync(User.Definition, root, null, request.Name, cancellationToken).ConfigureAwait(false);
        if (user is null || StoreClient.IsDeleting(user)) return ReconcileResult.Done;
        var uid = ObjectFields.MetaString(user, "uid")!;
        var h = Hash(uid);
        var orgName = "personal-org-" + h;
        var fullName = $"{ObjectFields.StringAt(user, "spec.givenName")} {ObjectFields.StringAt(user, "spec.familyName")}".Trim();
        var ownedByUser = new JsonArray(new JsonObject
        {
            ["apiVersion"] = User.Definition.ApiVersion, ["kind"] = "User", ["name"] = request.Name, ["uid"] = uid, ["controller"] = true, ["blockOwnerDeletion"] = true,
        });
        await client.CreateIfMissingAsync(Organization.Definition, root, null, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = orgName,
                ["annotations"] = new JsonObject
                {
                    [ResourceManagerNames.DisplayNameAnnotation] = $"{fullName}'s Personal Org",
                    [ResourceManagerNames.DescriptionAnnotation] = $"{fullName}'s Personal Org",
                },
                ["ownerReferences"] = ownedByUser.DeepClone(),
            },
            ["spec"] = new JsonObject { ["type"] = Organization.Personal },
        }, cancellationToken).ConfigureAwait(false);

        var ns = ResourceManagerNames.OrganizationNamespace(orgName);
        if (await client.GetAsync(NamespaceKind.Definition, root, null, ns, cancellationToken).ConfigureAwait(false) is null)
        {
            // The organization controller creates it.
            return new ReconcileResult(TimeSpan.FromMilliseconds(100));
        }
        var userRef = ownedByUser[0]!.DeepClone().AsObject();
        userRef.Remove("controller");
        userRef.Remove("blockOwnerDeletion");
        await client.CreateIfMissingAsync(OrganizationMembership.Definition, root, ns, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "membership-" + request.Name, ["ownerReferences"] = new JsonArray(userRef) },
            ["spec"] = OrganizationController.OwnerMembershipSpec(orgName, request.Name),
        }, cancellationToken).ConfigureAwait(false);

        if (ObjectFields.StringAt(user, "status.registrationApproval") != User.Approved) return ReconcileResult.Done;
        var project = "personal-project-" + h;
        if (await client.GetAsync(Project.Definition, root, null, project, cancellationToken).ConfigureAwait(false) is not null) return ReconcileResult.Done;

        // On the user's behalf, in the organization's context, so admission sets the owner and counts the quota.
        var asUser = ControlPlaneUsers.WithParent(
            new UserInfo(ObjectFields.StringAt(user, "spec.email") ?? request.Name, request.Name, ["system:authenticated"]),
            Tenancy.ResourceManagerRouter.ForOrganization(orgName));
        try
        {
            await client.CreateIfMissingAsync(Project.Definition, root, null, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = project,
                    ["annotations"] = new JsonObject
                    {
                        [ResourceManagerNames.DisplayNameAnnotation] = "Personal Project",
                        [ResourceManagerNames.DescriptionAnnotation] = $"{fullName}'s Personal Project",
                    },
                },
                ["spec"] = new JsonObject(),
            }, cancellationToken, asUser).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 403)
        {
            // Out of quota (the user used both projects already): nothing to create.
        }
        return ReconcileResult.Done;
    }
}

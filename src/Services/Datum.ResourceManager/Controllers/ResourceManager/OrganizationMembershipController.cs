using System.Text.Json.Nodes;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.ResourceManager.Controllers.ResourceManager;

/// <summary>
/// Memberships: copies the user's details (email, names, avatar) and the organization's (type, display name) into
/// status, sets <c>Ready</c> (or <c>OrganizationNotFound</c> / <c>UserNotFound</c>), and reports each role in
/// <c>status.appliedRoles</c> and <c>RolesApplied</c>. Roles stay <c>Pending</c> until the IAM service creates the
/// policy bindings. Re-runs when the membership, its user or its organization changes.
/// </summary>
internal sealed class OrganizationMembershipController(StoreClient client, TimeProvider time) : IReconciler
{
    /// <summary>What a pending role says until IAM lands.</summary>
    public const string PendingMessage = "Waiting for IAM: the policy binding is created when the IAM service is available";

    /// <summary>Watches memberships, users and organizations in the platform.</summary>
    public static IReadOnlyList<WatchSource> SourcesFor(IRevisionedStore storage)
    {
        var memberships = StorageKeys.ResourcePrefix(StorageKeys.RootCluster, OrganizationMembership.Definition);
        IEnumerable<ReconcileRequest> ByField(string field, string value)
        {
            // Storage lists are served from memory; completing synchronously here keeps the mapping simple.
            var page = storage.ListAsync(memberships, new ListRequest(Filter: item =>
                ObjectFields.StringAt(ObjectEncoding.Decode(item.Value), field) == value), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return page.Items.Select(ForKey).ToList();
        }
        return
        [
            new(memberships, (key, _) => [ForKey(new StoredObject(key, [], 0, 0))]),
            new(StorageKeys.ResourcePrefix(StorageKeys.RootCluster, User.Definition), (key, _) => ByField("spec.userRef.name", StorageKeys.NameOf(key))),
            new(StorageKeys.ResourcePrefix(StorageKeys.RootCluster, Organization.Definition), (key, _) => ByField("spec.organizationRef.name", StorageKeys.NameOf(key))),
        ];
    }

    private static ReconcileRequest ForKey(StoredObject item)
    {
        var parts = item.Key.Split('/');
        return new ReconcileRequest(StorageKeys.RootCluster, parts[^2], parts[^1]);
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var root = StorageKeys.RootCluster;
        var membership = await client.GetAsync(OrganizationMembership.Definition, root, request.Namespace, request.Name, cancellationToken).ConfigureAwait(false);
        if (membership is null || StoreClient.IsDeleting(membership)) return ReconcileResult.Done;
        var orgName = ObjectFields.StringAt(membership, "spec.organizationRef.name") ?? "";
        var userName = ObjectFields.StringAt(membership, "spec.userRef.name") ?? "";
        var org = await client.GetAsync(Organization.Definition, root, null, orgName, cancellationToken).ConfigureAwait(false);
        var user = await client.GetAsync(User.Definition, root, null, userName, cancellationToken).ConfigureAwait(false);

        await client.UpdateStatusAsync(OrganizationMembership.Definition, root, request.Namespace, request.Name, obj =>
        {
            var now = time.GetUtcNow();
            if (obj["status"] is not JsonObject status) obj["status"] = status = new JsonObject();
            status["observedGeneration"] = ObjectFields.Generation(obj);
            if (org is null)
            {
                Conditions.Set(obj, "Ready", "False", "OrganizationNotFound", $"Organization \"{orgName}\" not found", now);
            }
            else if (user is null)
            {
                Conditions.Set(obj, "Ready", "False", "UserNotFound", $"User \"{userName}\" not found", now);
            }
            else
            {
                status["user"] = Compact(new JsonObject
                {
                    ["email"] = ObjectFields.StringAt(user, "spec.email"),
                    ["givenName"] = ObjectFields.StringAt(user, "spec.givenName"),
                    ["familyName"] = ObjectFields.StringAt(user, "spec.familyName"),
                    ["avatarUrl"] = ObjectFields.StringAt(user, "status.avatarUrl"),
                });
                status["organization"] = Compact(new JsonObject
                {
                    ["type"] = ObjectFields.StringAt(org, "spec.type"),
                    ["displayName"] = (ObjectFields.Metadata(org)["annotations"] as JsonObject)?[ResourceManagerNames.DisplayNameAnnotation]?.ToString(),
                });
                Conditions.Set(obj, "Ready", "True", "Ready", "Membership is ready", now);
            }

            var roles = (obj["spec"]?["roles"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            status["appliedRoles"] = new JsonArray(roles.Select(r => (JsonNode?)new JsonObject
            {
                ["name"] = r["name"]?.DeepClone(), ["namespace"] = r["namespace"]?.DeepClone(), ["status"] = "Pending", ["message"] = PendingMessage,
            }).ToArray());
            if (roles.Count == 0) Conditions.Set(obj, "RolesApplied", "True", "NoRolesSpecified", "No roles specified", now);
            else Conditions.Set(obj, "RolesApplied", "False", "PartialRolesApplied", $"0 of {roles.Count} role(s) applied; policy bindings come with IAM", now);
            return obj;
        }, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private static JsonObject Compact(JsonObject obj)
    {
        foreach (var key in obj.Where(p => p.Value is null || p.Value.ToString().Length == 0).Select(p => p.Key).ToList()) obj.Remove(key);
        return obj;
    }
}

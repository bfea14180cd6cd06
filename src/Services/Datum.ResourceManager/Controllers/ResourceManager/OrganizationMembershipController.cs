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
/// <c>status.appliedRoles</c> and <c>RolesApplied</c>. When IAM serves PolicyBindings (<paramref name="catalog"/> has
/// them), each role becomes a PolicyBinding <c>{membership}-{sha256hex(roleNs/roleName)}</c> on the Organization
/// (labels <c>resourcemanager.miloapis.com/membership</c>, <c>managed-by</c>; controller owner the membership) and
/// bindings of removed roles are deleted; otherwise roles stay <c>Pending</c>. Re-runs when the membership, its user
/// or its organization changes.
/// </summary>
internal sealed class OrganizationMembershipController(StoreClient client, TimeProvider time, ResourceCatalog? catalog = null) : IReconciler
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
        var bindings = catalog?.Find("iam.miloapis.com", "v1alpha1", "policybindings");
        var applied = new Dictionary<string, (string Binding, bool RoleExists)>(StringComparer.Ordinal);
        if (bindings is not null && org is not null && user is not null)
        {
            applied = await ApplyBindingsAsync(bindings, membership, org, user, request, cancellationToken).ConfigureAwait(false);
        }

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
            var previous = (status["appliedRoles"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            status["appliedRoles"] = new JsonArray(roles.Select(r =>
            {
                var key = RoleKey(r, request.Namespace);
                if (!applied.TryGetValue(key, out var result))
                {
                    return (JsonNode?)new JsonObject { ["name"] = r["name"]?.DeepClone(), ["namespace"] = r["namespace"]?.DeepClone(), ["status"] = "Pending", ["message"] = PendingMessage };
                }
                var entry = new JsonObject
                {
                    ["name"] = r["name"]?.DeepClone(), ["namespace"] = r["namespace"]?.DeepClone(),
                    ["status"] = result.RoleExists ? "Applied" : "Failed",
                    ["policyBindingRef"] = new JsonObject { ["name"] = result.Binding, ["namespace"] = request.Namespace },
                };
                if (!result.RoleExists) entry["message"] = $"role {key} not found";
                var before = previous.FirstOrDefault(p => p["policyBindingRef"]?["name"]?.ToString() == result.Binding && p["status"]?.ToString() == "Applied");
                if (result.RoleExists) entry["appliedAt"] = before?["appliedAt"]?.DeepClone() ?? now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
                return entry;
            }).ToArray());
            var count = applied.Values.Count(v => v.RoleExists);
            if (roles.Count == 0) Conditions.Set(obj, "RolesApplied", "True", "NoRolesSpecified", "No roles specified", now);
            else if (count == roles.Count) Conditions.Set(obj, "RolesApplied", "True", "AllRolesApplied", $"All {roles.Count} role(s) applied", now);
            else if (applied.Count == 0) Conditions.Set(obj, "RolesApplied", "False", "PartialRolesApplied", $"0 of {roles.Count} role(s) applied; policy bindings come with IAM", now);
            else Conditions.Set(obj, "RolesApplied", "False", "PartialRolesApplied", $"{count} of {roles.Count} role(s) applied", now);
            return obj;
        }, cancellationToken).ConfigureAwait(false);
        return applied.Values.Any(v => !v.RoleExists) ? new ReconcileResult(TimeSpan.FromSeconds(5)) : ReconcileResult.Done;
    }

    private static string RoleKey(JsonObject role, string? ns) =>
        $"{(role["namespace"]?.ToString() is { Length: > 0 } n ? n : ns)}/{role["name"]}";

    /// <summary>The name of the binding for a role: <c>{membership}-{sha256hex(roleNs/roleName)}</c>.</summary>
    public static string BindingName(string membership, string roleKey) =>
        membership + "-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(roleKey)));

    private async Task<Dictionary<string, (string Binding, bool RoleExists)>> ApplyBindingsAsync(
        ResourceDefinition bindings, JsonObject membership, JsonObject org, JsonObject user, ReconcileRequest request, CancellationToken ct)
    {
        var root = StorageKeys.RootCluster;
        var roleDefinition = catalog!.Find("iam.miloapis.com", "v1alpha1", "roles");
        var result = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        var uid = ObjectFields.MetaString(membership, "uid");
        foreach (var role in (membership["spec"]?["roles"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = RoleKey(role, request.Namespace);
            var name = BindingName(request.Name, key);
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var exists = roleDefinition is not null
                && await client.GetAsync(roleDefinition, root, key[..slash], key[(slash + 1)..], ct).ConfigureAwait(false) is not null;
            await client.CreateIfMissingAsync(bindings, root, request.Namespace, new JsonObject
            {
                ["apiVersion"] = bindings.ApiVersion, ["kind"] = "PolicyBinding",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name, ["namespace"] = request.Namespace,
                    ["labels"] = new JsonObject
                    {
                        ["resourcemanager.miloapis.com/membership"] = request.Name,
                        ["resourcemanager.miloapis.com/managed-by"] = "organization-membership-controller",
                    },
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = OrganizationMembership.Definition.ApiVersion, ["kind"] = "OrganizationMembership", ["name"] = request.Name, ["uid"] = uid,
                        ["controller"] = true, ["blockOwnerDeletion"] = true,
                    }),
                },
                ["spec"] = new JsonObject
                {
                    ["roleRef"] = new JsonObject { ["name"] = key[(slash + 1)..], ["namespace"] = key[..slash] },
                    ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["name"] = ObjectFields.Name(user), ["uid"] = ObjectFields.MetaString(user, "uid") }),
                    ["resourceSelector"] = new JsonObject
                    {
                        ["resourceRef"] = new JsonObject
                        {
                            ["apiGroup"] = ResourceManagerNames.Group, ["kind"] = "Organization", ["name"] = ObjectFields.Name(org), ["uid"] = ObjectFields.MetaString(org, "uid"),
                        },
                    },
                },
            }, ct).ConfigureAwait(false);
            result[key] = (name, exists);
        }
        // Bindings of roles no longer listed go.
        var wanted = result.Values.Select(v => v.Item1).ToHashSet(StringComparer.Ordinal);
        var page = await client.Store.Storage.ListAsync(StorageKeys.CollectionPrefix(root, bindings, request.Namespace), new ListRequest(Filter: item =>
            (ObjectFields.Metadata(ObjectEncoding.Decode(item.Value))["labels"] as JsonObject)?["resourcemanager.miloapis.com/membership"]?.ToString() == request.Name), ct).ConfigureAwait(false);
        foreach (var stale in page.Items.Select(i => StorageKeys.NameOf(i.Key)).Where(n => !wanted.Contains(n)))
        {
            try
            {
                await client.Store.DeleteAsync(client.Scope(bindings, root, request.Namespace), stale, new DeletePreconditions(), ct).ConfigureAwait(false);
            }
            catch (Datum.Machinery.Api.ApiException e) when (e.Code == 404)
            {
            }
        }
        return result;
    }

    private static JsonObject Compact(JsonObject obj)
    {
        foreach (var key in obj.Where(p => p.Value is null || p.Value.ToString().Length == 0).Select(p => p.Key).ToList()) obj.Remove(key);
        return obj;
    }
}

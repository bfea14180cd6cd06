using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Iam.Authorization;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Iam.Controllers;

/// <summary>
/// Roles: <c>status.effectivePermissions</c> (included plus inherited, flattened, sorted), <c>PermissionsValid</c>
/// (<c>ValidationSuccessful</c>, or <c>InvalidPermissions</c> listing permissions no ProtectedResource registers) and
/// <c>Ready</c> (<c>ReconciliationSuccessful</c>, or <c>EffectivePermissionsError</c> naming a missing inherited role).
/// </summary>
internal sealed class RoleController(StoreClient client, PolicyGraph graph, TimeProvider time) : IReconciler
{
    /// <summary>Every role change re-runs that role and the roles that inherit it; protected resources re-run every role.</summary>
    public static IReadOnlyList<WatchSource> Sources(ResourceStore store) =>
    [
        new("/registry/", (key, _) => Map(store, key)),
    ];

    private static IEnumerable<ReconcileRequest> Map(ResourceStore store, string key)
    {
        var parts = key.Split('/');
        if (parts.Length < 6 || parts[3] != IamNames.Group) return [];
        if (parts[4] == "protectedresources") return AllRoles(store, null);
        if (parts[4] != "roles" || parts.Length != 7) return [];
        return [new ReconcileRequest(parts[2], parts[5], parts[6]), .. AllRoles(store, parts[6])];
    }

    private static List<ReconcileRequest> AllRoles(ResourceStore store, string? inheriting)
    {
        var page = store.Storage.ListAsync("/registry/", new ListRequest(Filter: item =>
        {
            var p = item.Key.Split('/');
            if (p.Length != 7 || p[3] != IamNames.Group || p[4] != "roles") return false;
            return inheriting is null || (ObjectEncoding.Decode(item.Value)["spec"]?["inheritedRoles"] as JsonArray ?? []).Any(r => r?["name"]?.ToString() == inheriting);
        }), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return page.Items.Select(i => i.Key.Split('/')).Select(p => new ReconcileRequest(p[2], p[5], p[6])).ToList();
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var role = await client.GetAsync(Role.Definition, request.Cluster, request.Namespace, request.Name, cancellationToken).ConfigureAwait(false);
        if (role is null || StoreClient.IsDeleting(role)) return ReconcileResult.Done;
        var (effective, unknown, missing) = graph.Read(r =>
        {
            var included = (role["spec"]?["includedPermissions"] as JsonArray ?? []).Select(p => p?.ToString()).OfType<string>().ToList();
            var all = new SortedSet<string>(included, StringComparer.Ordinal);
            var missingRoles = new List<string>();
            foreach (var inherited in (role["spec"]?["inheritedRoles"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var ns = inherited["namespace"]?.ToString() is { Length: > 0 } n ? n : request.Namespace!;
                var name = inherited["name"]?.ToString() ?? "";
                if (r.Role(request.Cluster, ns, name) is { } node) all.UnionWith(r.EffectivePermissions(node));
                else missingRoles.Add($"{ns}/{name}");
            }
            var unknownPermissions = included.Where(p => !Registered(r, p)).ToList();
            return (all.ToList(), unknownPermissions, missingRoles);
        });
        await client.UpdateStatusAsync(Role.Definition, request.Cluster, request.Namespace, request.Name, obj =>
        {
            var now = time.GetUtcNow();
            if (obj["status"] is not JsonObject status) obj["status"] = status = new JsonObject();
            status["observedGeneration"] = ObjectFields.Generation(obj);
            status["effectivePermissions"] = new JsonArray(effective.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
            if (unknown.Count == 0) Conditions.Set(obj, "PermissionsValid", "True", "ValidationSuccessful", "All permissions are registered", now);
            else Conditions.Set(obj, "PermissionsValid", "False", "InvalidPermissions", "unknown permissions: " + string.Join(", ", unknown), now);
            if (missing.Count == 0) Conditions.Set(obj, "Ready", "True", "ReconciliationSuccessful", "Role is ready", now);
            else Conditions.Set(obj, "Ready", "False", "EffectivePermissionsError", "inherited role(s) not found: " + string.Join(", ", missing), now);
            return obj;
        }, cancellationToken).ConfigureAwait(false);
        return missing.Count > 0 || unknown.Count > 0 ? new ReconcileResult(TimeSpan.FromSeconds(5)) : ReconcileResult.Done;
    }

    private static bool Registered(PolicyGraph.Reader r, string permission)
    {
        var slash = permission.IndexOf('/', StringComparison.Ordinal);
        var dot = permission.LastIndexOf('.');
        if (slash <= 0 || dot <= slash) return false;
        return r.ByPlural(IamNames.GroupOf(permission[..slash]), permission[(slash + 1)..dot]) is { } kind && kind.Permissions.Contains(permission[(dot + 1)..]);
    }
}

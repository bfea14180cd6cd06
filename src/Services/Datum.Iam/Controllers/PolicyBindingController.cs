using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Iam.Authorization;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Iam.Controllers;

/// <summary>
/// PolicyBindings: <c>RoleValid</c>, <c>SubjectValid</c>, <c>TargetValid</c> (<c>ValidationSuccessful</c> /
/// <c>ValidationFailed</c> with what is wrong) and <c>Ready</c> (<c>ReconciliationSuccessful</c>, or the first failure).
/// Whether a binding grants anything is the authorizer's business: a binding to a missing role grants nothing.
/// Invalid bindings are looked at again every 5 seconds.
/// </summary>
internal sealed class PolicyBindingController(StoreClient client, ResourceCatalog catalog, TimeProvider time) : IReconciler
{
    /// <summary>Bindings, and the bindings of a role when it changes.</summary>
    public static IReadOnlyList<WatchSource> Sources(ResourceStore store) =>
    [
        new("/registry/", (key, _) =>
        {
            var parts = key.Split('/');
            if (parts.Length != 7 || parts[3] != IamNames.Group) return [];
            if (parts[4] == "policybindings") return [new ReconcileRequest(parts[2], parts[5], parts[6])];
            if (parts[4] != "roles") return [];
            var role = parts[6];
            var page = store.Storage.ListAsync("/registry/", new ListRequest(Filter: item =>
            {
                var p = item.Key.Split('/');
                return p.Length == 7 && p[3] == IamNames.Group && p[4] == "policybindings"
                    && ObjectFields.StringAt(ObjectEncoding.Decode(item.Value), "spec.roleRef.name") == role;
            }), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return page.Items.Select(i => i.Key.Split('/')).Select(p => new ReconcileRequest(p[2], p[5], p[6])).ToList();
        }),
    ];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var binding = await client.GetAsync(PolicyBinding.Definition, request.Cluster, request.Namespace, request.Name, cancellationToken).ConfigureAwait(false);
        if (binding is null || StoreClient.IsDeleting(binding)) return ReconcileResult.Done;
        var spec = binding["spec"] as JsonObject ?? new JsonObject();

        var roleNs = ObjectFields.StringAt(binding, "spec.roleRef.namespace") ?? request.Namespace!;
        var roleName = ObjectFields.StringAt(binding, "spec.roleRef.name") ?? "";
        var role = await client.GetAsync(Role.Definition, request.Cluster, roleNs, roleName, cancellationToken).ConfigureAwait(false)
            ?? await client.GetAsync(Role.Definition, StorageKeys.RootCluster, roleNs, roleName, cancellationToken).ConfigureAwait(false);
        var roleError = role is null ? $"role \"{roleNs}/{roleName}\" not found" : null;

        string? subjectError = null;
        foreach (var subject in (spec["subjects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var kind = subject["kind"]?.ToString();
            var name = subject["name"]?.ToString() ?? "";
            if (kind == "User")
            {
                var user = await client.GetAsync(User.Definition, StorageKeys.RootCluster, null, name, cancellationToken).ConfigureAwait(false);
                if (user is null) subjectError = $"user \"{name}\" not found";
                else if (subject["uid"]?.ToString() is { Length: > 0 } uid && uid != ObjectFields.MetaString(user, "uid")) subjectError = $"user \"{name}\" has a different uid than {uid}";
            }
            else if (kind == "Group" && subject["namespace"]?.ToString() is { Length: > 0 } groupNs
                && await client.GetAsync(Group.Definition, request.Cluster, groupNs, name, cancellationToken).ConfigureAwait(false) is null)
            {
                subjectError = $"group \"{groupNs}/{name}\" not found";
            }
            else if (kind == "ServiceAccount" && string.IsNullOrEmpty(subject["namespace"]?.ToString()) && !name.Contains('@', StringComparison.Ordinal))
            {
                var account = await client.GetAsync(ServiceAccount.Definition, request.Cluster, null, name, cancellationToken).ConfigureAwait(false);
                if (account is null) subjectError = $"service account \"{name}\" not found in this control plane";
                else if (subject["uid"]?.ToString() is { Length: > 0 } uid && uid != ObjectFields.MetaString(account, "uid")) subjectError = $"service account \"{name}\" has a different uid than {uid}";
            }
            if (subjectError is not null) break;
        }

        string? targetError = null;
        var selector = spec["resourceSelector"] as JsonObject;
        if (selector?["resourceRef"] is JsonObject target)
        {
            var group = target["apiGroup"]?.ToString() ?? "";
            var kind = target["kind"]?.ToString() ?? "";
            var name = target["name"]?.ToString() ?? "";
            var definition = catalog.All().FirstOrDefault(d => d.Group == group && d.Kind == kind);
            if (definition is null) targetError = $"kind {kind} in API group \"{group}\" is not served";
            else
            {
                var cluster = PolicyGraph.IsPlatformKind(group, kind) ? StorageKeys.RootCluster : request.Cluster;
                var obj = await client.GetAsync(definition, cluster, definition.Namespaced ? target["namespace"]?.ToString() : null, name, cancellationToken).ConfigureAwait(false);
                if (obj is null) targetError = $"{kind} \"{name}\" not found";
                else if (target["uid"]?.ToString() is { Length: > 0 } uid && uid != ObjectFields.MetaString(obj, "uid")) targetError = $"{kind} \"{name}\" has a different uid than {uid}";
            }
        }
        else if (selector?["resourceKind"] is JsonObject k)
        {
            var group = k["apiGroup"]?.ToString() ?? "";
            var kind = k["kind"]?.ToString() ?? "";
            if (!catalog.All().Any(d => d.Group == group && d.Kind == kind)) targetError = $"kind {kind} in API group \"{group}\" is not served";
        }

        await client.UpdateStatusAsync(PolicyBinding.Definition, request.Cluster, request.Namespace, request.Name, obj =>
        {
            var now = time.GetUtcNow();
            if (obj["status"] is not JsonObject status) obj["status"] = status = new JsonObject();
            status["observedGeneration"] = ObjectFields.Generation(obj);
            Set(obj, "RoleValid", roleError, "role is valid", now);
            Set(obj, "SubjectValid", subjectError, "subjects are valid", now);
            Set(obj, "TargetValid", targetError, "target is valid", now);
            if (roleError is null && subjectError is null && targetError is null)
            {
                Conditions.Set(obj, "Ready", "True", "ReconciliationSuccessful", "Policy binding is ready", now);
            }
            else
            {
                var reason = targetError is not null ? "ResourceSelectorValidationFailed" : subjectError is not null ? "SubjectValidationFailed" : "RoleValidationFailed";
                Conditions.Set(obj, "Ready", "False", reason, roleError ?? subjectError ?? targetError!, now);
            }
            return obj;
        }, cancellationToken).ConfigureAwait(false);
        return roleError is null && subjectError is null && targetError is null ? ReconcileResult.Done : new ReconcileResult(TimeSpan.FromSeconds(5));
    }

    private static void Set(JsonObject obj, string type, string? error, string ok, DateTimeOffset now) =>
        Conditions.Set(obj, type, error is null ? "True" : "False", error is null ? "ValidationSuccessful" : "ValidationFailed", error ?? ok, now);
}

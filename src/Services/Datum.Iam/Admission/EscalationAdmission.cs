using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Iam.Authorization;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Server.Registry;

namespace Datum.Iam.Admission;

/// <summary>
/// Escalation prevention (as Kubernetes RBAC, enforced whatever the authorizer): a PolicyBinding may be created or
/// changed only by someone who holds every permission of its role on its target, and a Role only by someone who holds
/// every permission it grants in the context it is created in. <c>system:masters</c> (and the controllers, which run
/// as masters) are exempt. A binding to a role that does not exist grants nothing and passes.
/// </summary>
internal sealed class EscalationAdmission(Func<IamAuthorizer?> authorizer) : IAdmissionPlugin
{
    /// <inheritdoc />
    public ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (operation == AdmissionOperation.Delete || obj is null || scope.Definition.Group != IamNames.Group || scope.Subresource is not null) return ValueTask.CompletedTask;
        if (scope.Definition.Plural is not ("policybindings" or "roles")) return ValueTask.CompletedTask;
        if (scope.User.Groups.Contains("system:masters") || authorizer() is not { } iam) return ValueTask.CompletedTask;
        if (old is not null && JsonNode.DeepEquals(obj["spec"], old["spec"])) return ValueTask.CompletedTask;
        var context = iam.ContextOf(scope.User, scope.Namespace);
        // The context of an object comes from where it is stored, not only from the URL (a platform namespace organization-O).
        if (context.Ancestors.Count == 0 && scope.Cluster != StorageKeys.RootCluster) context = ContextOfCluster(iam, scope.Cluster);
        var name = ObjectFields.Name(obj) ?? "";
        var missing = iam.Graph.Read(r =>
        {
            IEnumerable<string> granted;
            List<(string Key, string Description)> targets;
            if (scope.Definition.Plural == "roles")
            {
                var included = (obj["spec"]?["includedPermissions"] as JsonArray ?? []).Select(p => p?.ToString()).OfType<string>();
                var inherited = (obj["spec"]?["inheritedRoles"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(i => r.Role(scope.Cluster, i["namespace"]?.ToString() is { Length: > 0 } ns ? ns : scope.Namespace ?? "", i["name"]?.ToString() ?? ""))
                    .OfType<RoleNode>().SelectMany(r.EffectivePermissions);
                granted = included.Concat(inherited);
                targets = ScopeTargets(context);
            }
            else
            {
                var roleRef = obj["spec"]?["roleRef"] as JsonObject;
                var role = r.Role(scope.Cluster, roleRef?["namespace"]?.ToString() is { Length: > 0 } ns ? ns : scope.Namespace ?? "", roleRef?["name"]?.ToString() ?? "");
                if (role is null) return (Missing: new List<string>(), Where: "");
                granted = r.EffectivePermissions(role);
                targets = BindingTargets(r, obj, context);
            }
            var held = iam.PermissionsOn(r, scope.User, targets.Select(t => t.Key));
            var where = targets.Count > 0 ? targets[0].Description : "the platform";
            return (Missing: granted.Where(p => !held.Contains(p)).Distinct().Order(StringComparer.Ordinal).ToList(), Where: where);
        });
        if (missing.Missing.Count == 0) return ValueTask.CompletedTask;
        var shown = string.Join(", ", missing.Missing.Take(10)) + (missing.Missing.Count > 10 ? $" and {missing.Missing.Count - 10} more" : "");
        throw new ApiException(403, "Forbidden",
            $"{scope.Definition.Plural}.{IamNames.Group} \"{name}\" is forbidden: user \"{scope.User.Name}\" is attempting to grant permissions not currently held on {missing.Where} (privilege escalation): {shown}")
        { DetailName = name, DetailGroup = IamNames.Group, DetailKind = scope.Definition.Plural };
    }

    private static RequestContext ContextOfCluster(IamAuthorizer iam, string cluster)
    {
        if (cluster.StartsWith("project:", StringComparison.Ordinal))
        {
            var project = cluster["project:".Length..];
            var org = iam.Graph.Read(r => r.OrganizationOf(project));
            return new RequestContext(cluster, org is null ? [("Project", project)] : [("Project", project), ("Organization", org)]);
        }
        return cluster.StartsWith("org:", StringComparison.Ordinal) ? new RequestContext(cluster, [("Organization", cluster["org:".Length..])]) : new RequestContext(cluster, []);
    }

    private static List<(string Key, string Description)> ScopeTargets(RequestContext context)
    {
        var targets = new List<(string, string)>();
        foreach (var (kind, name) in context.Ancestors)
        {
            targets.Add((PolicyGraph.ObjectTarget(context.Cluster, "resourcemanager.miloapis.com", kind, null, name), $"{kind} \"{name}\""));
            targets.Add((PolicyGraph.KindTarget("resourcemanager.miloapis.com", kind), $"every {kind}"));
        }
        return targets;
    }

    private static List<(string Key, string Description)> BindingTargets(PolicyGraph.Reader r, JsonObject obj, RequestContext context)
    {
        var selector = obj["spec"]?["resourceSelector"] as JsonObject;
        if (selector?["resourceKind"] is JsonObject k)
        {
            var group = k["apiGroup"]?.ToString() ?? "";
            var kind = k["kind"]?.ToString() ?? "";
            return [(PolicyGraph.KindTarget(group, kind), $"every {kind}")];
        }
        if (selector?["resourceRef"] is not JsonObject target) return [];
        var refGroup = target["apiGroup"]?.ToString() ?? "";
        var refKind = target["kind"]?.ToString() ?? "";
        var refName = target["name"]?.ToString() ?? "";
        var protectedKind = r.ByKind(refGroup, refKind) ?? new ProtectedKind(IamNames.ServiceOf(refGroup), refGroup, refKind, "", [], [("resourcemanager.miloapis.com", "Project"), ("resourcemanager.miloapis.com", "Organization")]);
        return IamAuthorizer.Targets(r, protectedKind, refName, target["namespace"]?.ToString(), context).Select(t => (t.Key, t.Description)).ToList();
    }
}

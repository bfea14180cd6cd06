using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;

namespace Datum.Iam.Controllers;

/// <summary>
/// IAM ServiceAccounts (every control plane): <c>status.email</c> (<see cref="ServiceAccount.EmailOf"/>),
/// <c>status.state</c> (the <c>spec.state</c> applied) and <c>Ready</c> (<c>Active</c> or <c>Inactive</c>). Whether a
/// token is accepted follows <c>spec.state</c> at once (the authenticator reads the IAM graph), not this status.
/// </summary>
internal sealed class ServiceAccountController(StoreClient client, TimeProvider time) : IReconciler
{
    /// <summary>Every service account change.</summary>
    public static IReadOnlyList<WatchSource> Sources(ResourceStore store) =>
    [
        new("/registry/", (key, _) =>
        {
            var parts = key.Split('/');
            return parts.Length == 6 && parts[3] == IamNames.Group && parts[4] == "serviceaccounts" ? [new ReconcileRequest(parts[2], null, parts[5])] : [];
        }),
    ];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var account = await client.GetAsync(ServiceAccount.Definition, request.Cluster, null, request.Name, cancellationToken).ConfigureAwait(false);
        if (account is null || StoreClient.IsDeleting(account)) return ReconcileResult.Done;
        var email = ServiceAccount.EmailOf(request.Cluster, request.Name);
        var state = ServiceAccount.StateOf(account);
        if (ObjectFields.StringAt(account, "status.email") == email && ObjectFields.StringAt(account, "status.state") == state
            && Conditions.Find(account, "Ready")?["reason"]?.ToString() == state) return ReconcileResult.Done;
        await client.UpdateStatusAsync(ServiceAccount.Definition, request.Cluster, null, request.Name, obj =>
        {
            if (obj["status"] is not JsonObject status) obj["status"] = status = new JsonObject();
            status["email"] = email;
            status["state"] = ServiceAccount.StateOf(obj);
            var active = ServiceAccount.StateOf(obj) == ServiceAccount.Active;
            Conditions.Set(obj, "Ready", active ? "True" : "False", ServiceAccount.StateOf(obj),
                active ? "Service account is active" : "Service account is inactive: its tokens are refused", time.GetUtcNow());
            return obj;
        }, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }
}

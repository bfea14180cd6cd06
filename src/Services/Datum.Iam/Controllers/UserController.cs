using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Iam.Controllers;

/// <summary>
/// Users (platform), as Milo's user webhook and controller: every User gets <c>userpreference-{user}</c> (theme
/// <c>system</c>, owned by the User so it goes with it); <c>status.state</c> is Inactive while a UserDeactivation names
/// the user and Active otherwise (deleting the deactivation reactivates); each deactivation reports <c>Ready</c>
/// (<c>Reconciled</c>) once applied.
/// </summary>
internal sealed class UserController(StoreClient client, TimeProvider time) : IReconciler
{
    /// <summary>Users, and the user a deactivation names (also when it is deleted: the event carries its last state).</summary>
    public static IReadOnlyList<WatchSource> Sources(ResourceStore store) =>
    [
        new("/registry/root/" + IamNames.Group + "/", (key, value) =>
        {
            var parts = key.Split('/');
            if (parts.Length != 6) return [];
            if (parts[4] == "users") return [new ReconcileRequest(StorageKeys.RootCluster, null, parts[5])];
            if (parts[4] != "userdeactivations" || value.Length == 0) return [];
            return ObjectFields.StringAt(ObjectEncoding.Decode(value), "spec.userRef.name") is { Length: > 0 } user
                ? [new ReconcileRequest(StorageKeys.RootCluster, null, user)] : [];
        }),
    ];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var user = await client.GetAsync(User.Definition, StorageKeys.RootCluster, null, request.Name, cancellationToken).ConfigureAwait(false);
        if (user is null || StoreClient.IsDeleting(user)) return ReconcileResult.Done;
        await client.CreateIfMissingAsync(UserPreference.Definition, StorageKeys.RootCluster, null, new JsonObject
        {
            ["apiVersion"] = UserPreference.Definition.ApiVersion, ["kind"] = "UserPreference",
            ["metadata"] = new JsonObject
            {
                ["name"] = UserPreference.NameFor(request.Name),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = User.Definition.ApiVersion, ["kind"] = "User", ["name"] = request.Name,
                    ["uid"] = ObjectFields.MetaString(user, "uid"), ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = new JsonObject { ["userRef"] = new JsonObject { ["name"] = request.Name }, ["theme"] = "system" },
        }, cancellationToken).ConfigureAwait(false);

        var deactivations = await DeactivationsOfAsync(request.Name, cancellationToken).ConfigureAwait(false);
        var state = deactivations.Count > 0 ? "Inactive" : "Active";
        if (ObjectFields.StringAt(user, "status.state") != state)
        {
            await client.UpdateStatusAsync(User.Definition, StorageKeys.RootCluster, null, request.Name, obj =>
            {
                if (obj["status"] is not JsonObject status) obj["status"] = status = new JsonObject();
                status["state"] = state;
                return obj;
            }, cancellationToken).ConfigureAwait(false);
        }
        foreach (var deactivation in deactivations.Where(d => !Conditions.IsTrue(d, "Ready")))
        {
            await client.UpdateStatusAsync(UserDeactivation.Definition, StorageKeys.RootCluster, null, ObjectFields.Name(deactivation)!, obj =>
            {
                Conditions.Set(obj, "Ready", "True", "Reconciled", $"User \"{request.Name}\" is deactivated", time.GetUtcNow());
                return obj;
            }, cancellationToken).ConfigureAwait(false);
        }
        return ReconcileResult.Done;
    }

    private async Task<List<JsonObject>> DeactivationsOfAsync(string user, CancellationToken ct)
    {
        var prefix = StorageKeys.CollectionPrefix(StorageKeys.RootCluster, UserDeactivation.Definition, null);
        var page = await client.Store.Storage.ListAsync(prefix, new ListRequest(), ct).ConfigureAwait(false);
        return page.Items.Select(i => ObjectEncoding.Decode(i.Value))
            .Where(d => !StoreClient.IsDeleting(d) && ObjectFields.StringAt(d, "spec.userRef.name") == user).ToList();
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Datum.Iam.Apis.V1Alpha1;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.Iam.V1Alpha1;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Iam.Controllers;

/// <summary>
/// Invitations (§2.3): fills status (organization display name, inviter); past <c>expirationDate</c> →
/// <c>Expired=True</c>; <c>Declined</c> → helper bindings removed, <c>Ready=True/Declined</c>; <c>Accepted</c> by an
/// existing user (matched by email) → OrganizationMembership <c>member-{user}</c> in <c>organization-{org}</c> with the
/// invitation's roles, then the invitation is deleted; otherwise <c>Pending=True</c> and, once the invitee's User exists,
/// a PolicyBinding <c>{invitationUID}-invitee</c> granting the invitee get/update/patch on this invitation.
/// Pending invitations are looked at again every 5 seconds (users created later are matched by email).
/// </summary>
internal sealed class UserInvitationController(StoreClient client, TimeProvider time) : IReconciler
{
    /// <summary>The role the invitee gets on the invitation.</summary>
    public const string AcceptorRole = "iam.miloapis.com-userinvitation-acceptor";

    /// <summary>Watches invitations in the platform.</summary>
    public static IReadOnlyList<WatchSource> Sources { get; } =
    [
        new(StorageKeys.ResourcePrefix(StorageKeys.RootCluster, UserInvitation.Definition), (key, _) =>
        {
            var parts = key.Split('/');
            return [new ReconcileRequest(StorageKeys.RootCluster, parts[^2], parts[^1])];
        }),
    ];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var root = StorageKeys.RootCluster;
        var invitation = await client.GetAsync(UserInvitation.Definition, root, request.Namespace, request.Name, cancellationToken).ConfigureAwait(false);
        if (invitation is null || StoreClient.IsDeleting(invitation)) return ReconcileResult.Done;
        var uid = ObjectFields.MetaString(invitation, "uid")!;
        var orgName = ObjectFields.StringAt(invitation, "spec.organizationRef.name") ?? "";
        var email = ObjectFields.StringAt(invitation, "spec.email") ?? "";
        var state = ObjectFields.StringAt(invitation, "spec.state") ?? "Pending";
        var org = await client.GetAsync(Organization.Definition, root, null, orgName, cancellationToken).ConfigureAwait(false);
        var inviterName = ObjectFields.StringAt(invitation, "spec.invitedBy.name");
        var inviter = inviterName is null ? null : await client.GetAsync(User.Definition, root, null, inviterName, cancellationToken).ConfigureAwait(false);
        var users = await client.Store.Storage.ListAsync(StorageKeys.ResourcePrefix(root, User.Definition), new ListRequest(Filter: item =>
            string.Equals(ObjectFields.StringAt(ObjectEncoding.Decode(item.Value), "spec.email"), email, StringComparison.OrdinalIgnoreCase)), cancellationToken).ConfigureAwait(false);
        var invitee = users.Items.Count > 0 ? ObjectEncoding.Decode(users.Items[0].Value) : null;
        var now = time.GetUtcNow();
        var expired = ObjectFields.StringAt(invitation, "spec.expirationDate") is { } expiry
            && DateTimeOffset.TryParse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at < now;
        var helper = uid + "-invitee";

        if (state == "Accepted" && invitee is not null && !expired)
        {
            var userName = ObjectFields.Name(invitee)!;
            await client.CreateIfMissingAsync(OrganizationMembership.Definition, root, request.Namespace, new JsonObject
            {
                ["apiVersion"] = OrganizationMembership.Definition.ApiVersion, ["kind"] = "OrganizationMembership",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "member-" + userName, ["namespace"] = request.Namespace,
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = User.Definition.ApiVersion, ["kind"] = "User", ["name"] = userName, ["uid"] = ObjectFields.MetaString(invitee, "uid"),
                    }),
                },
                ["spec"] = new JsonObject
                {
                    ["organizationRef"] = new JsonObject { ["name"] = orgName },
                    ["userRef"] = new JsonObject { ["name"] = userName },
                    ["roles"] = invitation["spec"]?["roles"]?.DeepClone(),
                },
            }, cancellationToken).ConfigureAwait(false);
            await DeleteAsync(UserInvitation.Definition, request.Namespace!, request.Name, cancellationToken).ConfigureAwait(false);
            await DeleteAsync(PolicyBinding.Definition, request.Namespace!, helper, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        if (state == "Declined" || expired)
        {
            await DeleteAsync(PolicyBinding.Definition, request.Namespace!, helper, cancellationToken).ConfigureAwait(false);
        }
        else if (invitee is not null)
        {
            await client.CreateIfMissingAsync(PolicyBinding.Definition, root, request.Namespace, new JsonObject
            {
                ["apiVersion"] = PolicyBinding.Definition.ApiVersion, ["kind"] = "PolicyBinding",
                ["metadata"] = new JsonObject
                {
                    ["name"] = helper, ["namespace"] = request.Namespace,
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = UserInvitation.Definition.ApiVersion, ["kind"] = "UserInvitation", ["name"] = request.Name, ["uid"] = uid, ["controller"] = true,
                    }),
                },
                ["spec"] = new JsonObject
                {
                    ["roleRef"] = new JsonObject { ["name"] = AcceptorRole, ["namespace"] = IamNames.ServiceRolesNamespace },
                    ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["name"] = ObjectFields.Name(invitee), ["uid"] = ObjectFields.MetaString(invitee, "uid") }),
                    ["resourceSelector"] = new JsonObject
                    {
                        ["resourceRef"] = new JsonObject
                        {
                            ["apiGroup"] = IamNames.Group, ["kind"] = "UserInvitation", ["name"] = request.Name, ["namespace"] = request.Namespace, ["uid"] = uid,
                        },
                    },
                },
            }, cancellationToken).ConfigureAwait(false);
        }

        await client.UpdateStatusAsync(UserInvitation.Definition, root, request.Namespace, request.Name, obj =>
        {
            if (obj["status"] is not JsonObject status) obj["status"] = status = new JsonObject();
            if (org is not null)
            {
                status["organization"] = new JsonObject { ["displayName"] = (ObjectFields.Metadata(org)["annotations"] as JsonObject)?["kubernetes.io/display-name"]?.ToString() ?? orgName };
            }
            if (inviter is not null)
            {
                status["inviterUser"] = new JsonObject
                {
                    ["displayName"] = $"{ObjectFields.StringAt(inviter, "spec.givenName")} {ObjectFields.StringAt(inviter, "spec.familyName")}".Trim(),
                    ["emailAddress"] = ObjectFields.StringAt(inviter, "spec.email"),
                };
            }
            if (invitee is not null) status["inviteeUser"] = new JsonObject { ["name"] = ObjectFields.Name(invitee) };
            if (expired)
            {
                Conditions.Set(obj, "Expired", "True", "Expired", "The invitation has expired", now);
                Conditions.Set(obj, "Ready", "False", "Expired", "The invitation has expired", now);
                Conditions.Set(obj, "Pending", "False", "Expired", "The invitation has expired", now);
            }
            else if (state == "Declined")
            {
                Conditions.Set(obj, "Ready", "True", "Declined", "The invitation was declined", now);
                Conditions.Set(obj, "Pending", "False", "Declined", "The invitation was declined", now);
            }
            else
            {
                var message = invitee is null ? $"Waiting for a user with email {email} to sign up" : "Waiting for the invitee to accept or decline";
                Conditions.Set(obj, "Pending", "True", "Pending", message, now);
                Conditions.Set(obj, "Ready", "False", "Pending", message, now);
            }
            return obj;
        }, cancellationToken).ConfigureAwait(false);
        return expired || state == "Declined" ? ReconcileResult.Done : new ReconcileResult(TimeSpan.FromSeconds(5));
    }

    private async Task DeleteAsync(ResourceDefinition definition, string ns, string name, CancellationToken ct)
    {
        try
        {
            await client.Store.DeleteAsync(client.Scope(definition, StorageKeys.RootCluster, ns), name, new DeletePreconditions(), ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}

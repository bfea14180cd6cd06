using System.Text.Json.Nodes;
using Datum.Machinery.Schema;
using Datum.Server.Authorization;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>authorization.k8s.io/v1 SelfSubjectAccessReview: <c>kubectl auth can-i</c>, answered by the authorizer.</summary>
public static class SelfSubjectAccessReviewKind
{
    /// <summary>The declaration, answering with <paramref name="authorizer"/>.</summary>
    public static ResourceDefinition Create(IAuthorizer authorizer) => new()
    {
        Group = "authorization.k8s.io", Version = "v1", Kind = "SelfSubjectAccessReview", Plural = "selfsubjectaccessreviews", Namespaced = false,
        Schema = CommonSchemas.TopLevel(
            "SelfSubjectAccessReview checks whether or the current user can perform an action.",
            ("spec", Object("SelfSubjectAccessReviewSpec is a description of the access request.",
                ("resourceAttributes", Any("ResourceAuthorizationAttributes describes information for a resource access request") with { Type = "object" }),
                ("nonResourceAttributes", Any("NonResourceAttributes describes information for a non-resource access request") with { Type = "object" }))),
            ("status", Any("SubjectAccessReviewStatus") with { Type = "object" })),
        Review = async (context, review, ct) =>
        {
            var spec = review["spec"] as JsonObject ?? new JsonObject();
            AuthorizationAttributes attributes;
            if (spec["resourceAttributes"] is JsonObject r)
            {
                attributes = new AuthorizationAttributes(
                    r["verb"]?.ToString() ?? "", r["group"]?.ToString() ?? "", r["resource"]?.ToString() ?? "",
                    NullIfEmpty(r["subresource"]?.ToString()), NullIfEmpty(r["namespace"]?.ToString()), NullIfEmpty(r["name"]?.ToString()));
            }
            else if (spec["nonResourceAttributes"] is JsonObject n)
            {
                attributes = new AuthorizationAttributes(n["verb"]?.ToString() ?? "", "", "", null, null, null, n["path"]?.ToString() ?? "/");
            }
            else
            {
                throw Datum.Machinery.Api.ApiException.Invalid(new("authorization.k8s.io", "v1", "SelfSubjectAccessReview"), "",
                    [Datum.Machinery.Api.FieldError.Invalid("spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
            }
            var decision = await authorizer.AuthorizeAsync(context.User, attributes, ct).ConfigureAwait(false);
            var status = new JsonObject { ["allowed"] = decision.Allowed };
            if (!decision.Allowed) status["denied"] = true;
            if (decision.Reason.Length > 0) status["reason"] = decision.Reason;
            review["status"] = status;
            review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
            return review;
        },
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

using System.Text.Json.Nodes;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>authentication.k8s.io/v1 SelfSubjectReview: <c>kubectl auth whoami</c>.</summary>
public static class SelfSubjectReviewKind
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "authentication.k8s.io", Version = "v1", Kind = "SelfSubjectReview", Plural = "selfsubjectreviews", Namespaced = false,
        Schema = CommonSchemas.TopLevel(
            "SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.",
            ("status", Any("SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.") with { Type = "object" })),
        Review = (context, review, _) =>
        {
            var user = context.User;
            var info = new JsonObject
            {
                ["username"] = user.Name,
                ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray()),
            };
            if (user.Uid is not null) info["uid"] = user.Uid;
            if (user.Extra is { Count: > 0 } extra)
            {
                var extras = new JsonObject();
                foreach (var (key, values) in extra) extras[key] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                info["extra"] = extras;
            }
            review["status"] = new JsonObject { ["userInfo"] = info };
            review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
            return Task.FromResult(review);
        },
    };
}

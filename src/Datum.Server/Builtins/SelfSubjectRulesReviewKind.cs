using System.Text.Json.Nodes;
using Datum.Machinery.Schema;
using Datum.Server.Authorization;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>authorization.k8s.io/v1 SelfSubjectRulesReview: <c>kubectl auth can-i --list</c>.</summary>
public static class SelfSubjectRulesReviewKind
{
    /// <summary>The declaration, answering with <paramref name="authorizer"/> (everything when it cannot list rules).</summary>
    public static ResourceDefinition Create(IAuthorizer authorizer) => new()
    {
        Group = "authorization.k8s.io", Version = "v1", Kind = "SelfSubjectRulesReview", Plural = "selfsubjectrulesreviews", Namespaced = false,
        Schema = CommonSchemas.TopLevel(
            "SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.",
            ("spec", Object("SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.",
                ("namespace", String("Namespace to evaluate rules for.")))),
            ("status", Any("SubjectRulesReviewStatus") with { Type = "object" })),
        Review = async (context, review, ct) =>
        {
            var ns = review["spec"]?["namespace"]?.ToString();
            var rules = authorizer is IRulesResolver resolver
                ? await resolver.RulesForAsync(context.User, string.IsNullOrEmpty(ns) ? null : ns, ct).ConfigureAwait(false)
                : ResourceRules.Everything;
            static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            review["status"] = new JsonObject
            {
                ["resourceRules"] = new JsonArray(rules.Resource.Select(r =>
                {
                    var rule = new JsonObject { ["verbs"] = Strings(r.Verbs), ["apiGroups"] = Strings(r.ApiGroups), ["resources"] = Strings(r.Resources) };
                    if (r.ResourceNames is { Count: > 0 } names) rule["resourceNames"] = Strings(names);
                    return (JsonNode?)rule;
                }).ToArray()),
                ["nonResourceRules"] = new JsonArray(rules.NonResource.Select(r => (JsonNode?)new JsonObject
                {
                    ["verbs"] = Strings(r.Verbs), ["nonResourceURLs"] = Strings(r.NonResourceUrls),
                }).ToArray()),
                ["incomplete"] = rules.Incomplete,
            };
            review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
            return review;
        },
    };
}

using System.Globalization;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Validation;
using Datum.Server.Registry;

namespace Datum.Server.Http;

/// <summary>
/// The <c>DeleteOptions</c> of a DELETE or deletecollection: from the body when there is one, else from the query
/// (<c>propagationPolicy</c>, <c>orphanDependents</c>, <c>gracePeriodSeconds</c>). <c>dryRun</c> counts from either.
/// </summary>
/// <param name="Preconditions">uid and resourceVersion preconditions.</param>
/// <param name="Propagation">The propagation policy, or null when none was given.</param>
/// <param name="DryRun">The body asked for <c>dryRun: ["All"]</c>.</param>
public sealed record DeleteRequestOptions(DeletePreconditions Preconditions, DeletionPropagation? Propagation, bool DryRun)
{
    /// <summary>Reads and validates the options of <paramref name="request"/>.</summary>
    public static async Task<DeleteRequestOptions> ReadAsync(ResourceRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        JsonObject options;
        if (body.Length == 0) options = [];
        else if (RequestBody.ParseJson(body, null) is JsonObject parsed) options = parsed;
        else throw ApiException.BadRequest("the DELETE body must be a DeleteOptions object");

        // Query parameters fill in what the body does not say (Kubernetes reads them only without a body).
        if (options["propagationPolicy"] is null && options["orphanDependents"] is null)
        {
            if (request.Query("propagationPolicy") is { Length: > 0 } policy) options["propagationPolicy"] = policy;
            if (request.Query("orphanDependents") is { Length: > 0 } orphan)
            {
                options["orphanDependents"] = bool.TryParse(orphan, out var o)
                    ? o
                    : throw ApiException.BadRequest($"orphanDependents: Invalid value: \"{orphan}\": must be true or false");
            }
        }
        if (request.Query("gracePeriodSeconds") is { Length: > 0 } grace &&
            !long.TryParse(grace, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw ApiException.BadRequest($"gracePeriodSeconds: Invalid value: \"{grace}\": must be an integer");
        }

        var dryRun = false;
        if (options["dryRun"] is JsonArray dryRunValues)
        {
            if (dryRunValues.Any(v => v?.ToString() != "All"))
            {
                throw ApiException.BadRequest("dryRun: Unsupported value: supported values: \"All\"");
            }
            dryRun = dryRunValues.Count > 0;
        }

        DeletionPropagation? propagation = null;
        if (options["propagationPolicy"] is JsonValue policyValue)
        {
            propagation = policyValue.ToString() switch
            {
                "Background" => DeletionPropagation.Background,
                "Foreground" => DeletionPropagation.Foreground,
                "Orphan" => DeletionPropagation.Orphan,
                var other => throw ApiException.BadRequest(
                    $"propagationPolicy: Unsupported value: \"{other}\": supported values: \"Background\", \"Foreground\", \"Orphan\""),
            };
        }
        if (options["orphanDependents"] is JsonValue orphanValue)
        {
            if (propagation is not null)
            {
                throw ApiException.Invalid(new GroupVersionKind("meta.k8s.io", "v1", "DeleteOptions"), "",
                    [FieldError.Invalid("orphanDependents", orphanValue.DeepClone(), "orphanDependents and deletionPropagation cannot be both set")]);
            }
            if (!orphanValue.TryGetValue<bool>(out var orphan))
            {
                throw ApiException.BadRequest("orphanDependents: must be a boolean");
            }
            propagation = orphan ? DeletionPropagation.Orphan : DeletionPropagation.Background;
        }
        // gracePeriodSeconds is accepted and ignored: no kind here deletes gracefully.

        var preconditions = options["preconditions"] as JsonObject;
        return new DeleteRequestOptions(
            new DeletePreconditions(preconditions?["uid"]?.GetValue<string>(), preconditions?["resourceVersion"]?.GetValue<string>()),
            propagation,
            dryRun);
    }

    /// <summary>
    /// The scope to delete with: <paramref name="scope"/> itself, or a copy with DryRun set when the body asked for
    /// a dry run (the scope is immutable). <paramref name="ns"/> replaces the namespace when given.
    /// </summary>
    public RequestScope ScopeFor(RequestScope scope, string? ns = null)
    {
        if ((!DryRun || scope.DryRun) && (ns is null || ns == scope.Namespace)) return scope;
        return new RequestScope
        {
            Definition = scope.Definition, Cluster = scope.Cluster, Namespace = ns ?? scope.Namespace, Subresource = scope.Subresource,
            User = scope.User, Authorizer = scope.Authorizer, DryRun = scope.DryRun || DryRun, FieldValidation = scope.FieldValidation, FieldManager = scope.FieldManager,
        };
    }
}

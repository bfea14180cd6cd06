using Datum.Server.Authorization;
using Datum.Server.Security;

namespace Datum.Server.Registry;

/// <summary>How unknown fields in a request body are treated (<c>fieldValidation</c>).</summary>
public enum FieldValidation
{
    /// <summary>Drop them silently.</summary>
    Ignore,
    /// <summary>Drop them and return a Warning header for each (the server default).</summary>
    Warn,
    /// <summary>Reject the request with 400.</summary>
    Strict,
}

/// <summary>
/// One request's view of a kind: which kind, tenant, namespace and caller, and the write options. Created
/// once per request by the HTTP layer and passed down unchanged.
/// </summary>
public sealed class RequestScope
{
    /// <summary>The kind.</summary>
    public required ResourceDefinition Definition { get; init; }

    /// <summary>The logical cluster (tenant).</summary>
    public string Cluster { get; init; } = StorageKeys.RootCluster;

    /// <summary>The namespace from the URL, or null for cluster-scoped requests and all-namespace lists.</summary>
    public string? Namespace { get; init; }

    /// <summary>The subresource from the URL (<c>status</c>), or null.</summary>
    public string? Subresource { get; init; }

    /// <summary>The authenticated caller.</summary>
    public required UserInfo User { get; init; }

    /// <summary>
    /// The server's authorizer, for admission that must check a further permission of the caller (as Datum's webhooks
    /// ask a SubjectAccessReview, e.g. <c>use</c> on a Network a Workload attaches). Set for API requests; null for
    /// in-process callers, which run as <c>system:masters</c>.
    /// </summary>
    public IAuthorizer? Authorizer { get; init; }

    /// <summary><c>dryRun=All</c>: run everything, store nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>The <c>fieldValidation</c> mode.</summary>
    public FieldValidation FieldValidation { get; init; } = FieldValidation.Warn;

    /// <summary>The field manager of this write.</summary>
    public string? FieldManager { get; init; }

    /// <summary>Warnings collected while serving; sent as <c>Warning</c> headers.</summary>
    public List<string> Warnings { get; } = [];
}

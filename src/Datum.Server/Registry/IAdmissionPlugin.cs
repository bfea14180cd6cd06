using System.Text.Json.Nodes;

namespace Datum.Server.Registry;

/// <summary>The operation an admission plugin sees.</summary>
public enum AdmissionOperation
{
    /// <summary>A create.</summary>
    Create,
    /// <summary>An update or patch.</summary>
    Update,
    /// <summary>A delete.</summary>
    Delete,
}

/// <summary>
/// Validating admission: runs after the kind's strategy and before the write, may reject by throwing an
/// <see cref="Datum.Machinery.Api.ApiException"/>, and never writes. Quota, IAM and tenancy checks plug in here.
/// </summary>
public interface IAdmissionPlugin
{
    /// <summary>Admits or rejects the write of <paramref name="obj"/> (<paramref name="old"/> on update and delete).</summary>
    ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken);
}

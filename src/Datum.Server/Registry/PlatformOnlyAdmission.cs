using System.Text.Json.Nodes;
using Datum.Machinery.Api;

namespace Datum.Server.Registry;

/// <summary>
/// Kinds that shape the whole server (<see cref="ResourceDefinition.PlatformOnly"/>, such as
/// CustomResourceDefinitions: one catalog serves every control plane) may be created only in the platform
/// control plane; anywhere else a create is 403 with a message that says where to go.
/// </summary>
public sealed class PlatformOnlyAdmission : IAdmissionPlugin
{
    /// <inheritdoc />
    public ValueTask AdmitAsync(RequestScope scope, AdmissionOperation operation, JsonObject? obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (operation == AdmissionOperation.Create && scope.Definition.PlatformOnly && scope.Cluster != StorageKeys.RootCluster)
        {
            var d = scope.Definition;
            var resource = d.Group.Length == 0 ? d.Plural : $"{d.Plural}.{d.Group}";
            throw new ApiException(403, "Forbidden",
                $"{resource} is forbidden: {d.Kind} objects belong to the platform control plane; create them there (for example with `kubectl --context platform`), not in control plane \"{scope.Cluster}\"")
            { DetailGroup = d.Group, DetailKind = d.Plural };
        }
        return ValueTask.CompletedTask;
    }
}

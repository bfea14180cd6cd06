using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Server.Registry;

namespace Datum.Server.CustomResources;

/// <summary>What one CRD's kinds share while it is served: whether it is being deleted.</summary>
public sealed class CustomResourceState
{
    private volatile bool _terminating;

    /// <summary>Set once the CRD is deleted: creates are refused while its objects are removed.</summary>
    public bool Terminating
    {
        get => _terminating;
        set => _terminating = value;
    }
}

/// <summary>
/// Create/update rules of a custom resource (one served version): objects are always stored in the storage
/// version (conversion strategy None only rewrites <c>apiVersion</c>), list types and length limits of the
/// schema are checked, updates need a resourceVersion, and nothing is created while the CRD is terminating.
/// </summary>
public sealed class CustomResourceStrategy(string storageApiVersion, SchemaNode schema, CustomResourceState state, string crdName) : ResourceStrategy
{
    /// <summary>The <c>apiVersion</c> stored objects carry.</summary>
    public string StorageApiVersion => storageApiVersion;

    /// <summary>The CRD's shared state.</summary>
    public CustomResourceState State => state;

    /// <inheritdoc />
    public override void PrepareForCreate(JsonObject obj)
    {
        if (state.Terminating)
        {
            throw ApiException.MethodNotAllowed($"create not allowed while custom resource definition \"{crdName}\" is terminating");
        }
        obj["apiVersion"] = storageApiVersion;
    }

    /// <inheritdoc />
    public override IEnumerable<FieldError> Validate(JsonObject obj) => SchemaListChecks.Run(obj, schema);

    /// <inheritdoc />
    public override void PrepareForUpdate(JsonObject newObj, JsonObject oldObj) => newObj["apiVersion"] = storageApiVersion;

    /// <inheritdoc />
    public override bool AllowUnconditionalUpdate => false;
}

using System.Text.Json.Nodes;
using Datum.Machinery.Api;

namespace Datum.Server.Registry;

/// <summary>
/// The default strategy: no kind-specific defaults or checks. Kinds derive from it and override what they need.
/// </summary>
public class ResourceStrategy : IResourceStrategy
{
    /// <inheritdoc />
    public virtual void PrepareForCreate(JsonObject obj)
    {
    }

    /// <inheritdoc />
    public virtual IEnumerable<FieldError> Validate(JsonObject obj) => [];

    /// <inheritdoc />
    public virtual IEnumerable<string> WarningsOnCreate(JsonObject obj) => [];

    /// <inheritdoc />
    public virtual void PrepareForUpdate(JsonObject newObj, JsonObject oldObj)
    {
    }

    /// <inheritdoc />
    public virtual IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj) => Validate(newObj);

    /// <inheritdoc />
    public virtual IEnumerable<string> WarningsOnUpdate(JsonObject newObj, JsonObject oldObj) => [];

    /// <inheritdoc />
    public virtual void PrepareForDeletion(JsonObject obj)
    {
    }

    /// <inheritdoc />
    public virtual bool HoldsDeletion(JsonObject obj) => false;

    /// <inheritdoc />
    public virtual bool AllowCreateOnUpdate => false;

    /// <inheritdoc />
    public virtual bool AllowUnconditionalUpdate => true;
}

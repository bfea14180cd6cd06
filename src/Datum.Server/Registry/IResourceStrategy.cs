using System.Text.Json.Nodes;
using Datum.Machinery.Api;

namespace Datum.Server.Registry;

/// <summary>
/// What is special about one kind on create and update. The generic <see cref="ResourceStore"/> calls, in
/// order: on create <see cref="PrepareForCreate"/> (after system metadata is set), then <see cref="Validate"/>
/// and <see cref="WarningsOnCreate"/>; on update <see cref="PrepareForUpdate"/> (after immutable metadata was
/// restored from the old object), then <see cref="ValidateUpdate"/> and <see cref="WarningsOnUpdate"/>.
/// Prepare methods may mutate the new object; Validate and Warnings must not mutate anything.
/// </summary>
public interface IResourceStrategy
{
    /// <summary>Clears or defaults fields of a new object (for example the status a user may not set).</summary>
    void PrepareForCreate(JsonObject obj);

    /// <summary>Field errors of a new object.</summary>
    IEnumerable<FieldError> Validate(JsonObject obj);

    /// <summary>Non-fatal notes for a new object, returned as <c>Warning</c> headers.</summary>
    IEnumerable<string> WarningsOnCreate(JsonObject obj);

    /// <summary>Adjusts an update (for example keeps fields that only another subresource may change).</summary>
    void PrepareForUpdate(JsonObject newObj, JsonObject oldObj);

    /// <summary>Field errors of an update.</summary>
    IEnumerable<FieldError> ValidateUpdate(JsonObject newObj, JsonObject oldObj);

    /// <summary>Non-fatal notes for an update.</summary>
    IEnumerable<string> WarningsOnUpdate(JsonObject newObj, JsonObject oldObj);

    /// <summary>
    /// Called when a delete is requested, before anything is written: may reject it (throw an
    /// <see cref="Datum.Machinery.Api.ApiException"/>) or record the start of termination on the object
    /// (which is then stored only if the object is kept).
    /// </summary>
    void PrepareForDeletion(JsonObject obj);

    /// <summary>
    /// Whether kind-specific finalization still holds a deleted object (for example a Namespace's
    /// <c>spec.finalizers</c>); the object is removed once this is false and <c>metadata.finalizers</c> is empty.
    /// </summary>
    bool HoldsDeletion(JsonObject obj);

    /// <summary>Whether PUT of a missing object creates it.</summary>
    bool AllowCreateOnUpdate { get; }

    /// <summary>Whether PUT without <c>metadata.resourceVersion</c> is accepted (last writer wins).</summary>
    bool AllowUnconditionalUpdate { get; }
}

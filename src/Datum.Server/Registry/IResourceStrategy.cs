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

    /// <summary>Whether PUT of a missing object creates it.</summary>
    bool AllowCreateOnUpdate { get; }

    /// <summary>Whether PUT without <c>metadata.resourceVersion</c> is accepted (last writer wins).</summary>
    bool AllowUnconditionalUpdate { get; }
}

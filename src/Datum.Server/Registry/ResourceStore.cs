using System.Globalization;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Machinery.Validation;
using Datum.Storage;

namespace Datum.Server.Registry;

/// <summary>
/// The generic store every kind goes through: system metadata, the kind's strategy, admission, optimistic
/// concurrency, generation and status rules, finalizers. It never learns about a specific kind: all of that
/// comes from the <see cref="ResourceDefinition"/> in the <see cref="RequestScope"/>.
/// </summary>
public sealed partial class ResourceStore(IRevisionedStore store, IReadOnlyList<IAdmissionPlugin> admission, TimeProvider time)
{
    private const int MaxObjectBytes = 1536 * 1024;
    // Unconditional writes retry until they apply, as kube-apiserver's GuaranteedUpdate does; the bound only stops a livelock.
    private const int MaxConflictRetries = 10_000;

    /// <summary>The revisioned store underneath.</summary>
    public IRevisionedStore Storage => store;

    /// <summary>Reads one object.</summary>
    public async ValueTask<StoredObject> GetAsync(RequestScope scope, string name, CancellationToken ct)
    {
        var key = StorageKeys.ObjectKey(scope.Cluster, scope.Definition, scope.Namespace, name);
        return await store.GetAsync(key, ct).ConfigureAwait(false) ?? throw NotFound(scope, name);
    }

    /// <summary>Creates <paramref name="obj"/>; returns the stored object (or the would-be object under dry run).</summary>
    public async Task<StoredObject> CreateAsync(RequestScope scope, JsonObject obj, CancellationToken ct)
    {
        var definition = scope.Definition;
        obj["apiVersion"] = definition.ApiVersion;
        obj["kind"] = definition.Kind;
        var meta = ObjectFields.Metadata(obj);
        ApplyNamespace(scope, obj);
        var generateName = ObjectFields.MetaString(obj, "generateName");
        var name = ObjectFields.Name(obj);
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(generateName))
            {
                throw ApiException.Invalid(definition.GroupVersionKind, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
            }
            name = GenerateName(generateName);
            meta["name"] = name;
        }

        // System fields are the server's: whatever the client sent is replaced.
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = ObjectFields.FormatTime(time.GetUtcNow());
        meta["generation"] = 1;
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");
        if (definition.HasStatusSubresource) obj.Remove("status");
        definition.Strategy.PrepareForCreate(obj);

        var errors = CheckSchema(scope, obj);
        errors.AddRange(CheckName(definition, name, generateName));
        errors.AddRange(MetadataRules.Check(meta));
        errors.AddRange(definition.Strategy.Validate(obj));
        if (errors.Count > 0) throw ApiException.Invalid(definition.GroupVersionKind, name, errors);
        _ = TrackManagedFields(scope, obj, obj, null, null);
        scope.Warnings.AddRange(definition.Strategy.WarningsOnCreate(obj));
        foreach (var plugin in admission)
        {
            await plugin.AdmitAsync(scope, AdmissionOperation.Create, obj, null, ct).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            var key = StorageKeys.ObjectKey(scope.Cluster, definition, scope.Namespace, name);
            if (scope.DryRun)
            {
                if (await store.GetAsync(key, ct).ConfigureAwait(false) is not null) throw ApiException.AlreadyExists(definition.Group, definition.Plural, name);
                return DryRunResult(key, obj);
            }
            var encoder = CheckedEncoder(obj);
            var retry = !string.IsNullOrEmpty(generateName) && attempt < 8;
            if (!retry)
            {
                // Only a generated name is tried again: otherwise the object's nodes need not live while the commit is awaited.
                obj = null!;
                meta = null!;
            }
            try
            {
                return await store.CreateAsync(key, encoder, ct).ConfigureAwait(false);
            }
            catch (KeyExistsException) when (retry)
            {
                name = GenerateName(generateName!);
                meta["name"] = name;
            }
            catch (KeyExistsException)
            {
                throw ApiException.AlreadyExists(definition.Group, definition.Plural, name);
            }
        }
    }

    /// <summary>
    /// Replaces an object with what <paramref name="computeDesired"/> makes of its current state, retrying on
    /// write races unless the desired object names a resourceVersion (then a stale one is a 409 Conflict).
    /// <paramref name="computeDesired"/> gets a private copy of the current object with its resourceVersion
    /// removed; a resourceVersion in its result is the caller's precondition.
    /// </summary>
    public Task<StoredObject> UpdateAsync(RequestScope scope, string name, Func<JsonObject, JsonObject> computeDesired, bool requireResourceVersion, CancellationToken ct) =>
        UpdateCoreAsync(scope, name, computeDesired, null, requireResourceVersion, ct);

    /// <summary>
    /// Replaces an object with <paramref name="desired"/> (a PUT): the same as <see cref="UpdateAsync"/> with a
    /// function that ignores the current object, without copying the current object for it.
    /// </summary>
    public Task<StoredObject> ReplaceAsync(RequestScope scope, string name, JsonObject desired, bool requireResourceVersion, CancellationToken ct) =>
        UpdateCoreAsync(scope, name, null, desired, requireResourceVersion, ct);

    private async Task<StoredObject> UpdateCoreAsync(RequestScope scope, string name, Func<JsonObject, JsonObject>? computeDesired, JsonObject? replacement,
        bool requireResourceVersion, CancellationToken ct)
    {
        var definition = scope.Definition;
        var key = StorageKeys.ObjectKey(scope.Cluster, definition, scope.Namespace, name);
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(key, ct).ConfigureAwait(false) ?? throw NotFound(scope, name);
            var write = await PrepareReplacementAsync(scope, name, key, current, computeDesired, replacement, requireResourceVersion, ct).ConfigureAwait(false);
            if (write.Encoder is null) return write.Result!;
            // A conditional write never comes round again: the request's object need not live while the commit is awaited.
            if (write.Conditional) replacement = null;
            try
            {
                return write.Delete
                    ? await store.DeleteAsync(key, current.ModRevision, write.Encoder, ct).ConfigureAwait(false)
                    : await store.UpdateAsync(key, current.ModRevision, write.Encoder, ct).ConfigureAwait(false);
            }
            catch (RevisionConflictException) when (!write.Conditional && attempt < MaxConflictRetries)
            {
                // Last writer wins for unconditional writes: recompute from the newer state.
            }
            catch (RevisionConflictException)
            {
                throw ApiException.Conflict(definition.Group, definition.Plural, name);
            }
            catch (KeyMissingException)
            {
                throw NotFound(scope, name);
            }
        }
    }

    /// <summary>
    /// What a replacement of <paramref name="current"/> comes to: the stored object itself when nothing changes (or the
    /// would-be object under dry run), else an encoder of the new state. Its own method so that the decoded and built
    /// objects are garbage before the write waits for its commit.
    /// </summary>
    private async ValueTask<PreparedWrite> PrepareReplacementAsync(RequestScope scope, string name, string key, StoredObject current,
        Func<JsonObject, JsonObject>? computeDesired, JsonObject? replacement, bool requireResourceVersion, CancellationToken ct)
    {
        var definition = scope.Definition;
        var old = ObjectEncoding.Decode(current.Value);
        JsonObject desired;
        if (replacement is not null)
        {
            // Preparing the write changes the object; only an unconditional write can come round again and needs it pristine.
            desired = string.IsNullOrEmpty(ObjectFields.ResourceVersion(replacement)) ? (JsonObject)replacement.DeepClone() : replacement;
        }
        else
        {
            var input = (JsonObject)old.DeepClone();
            ObjectFields.Metadata(input).Remove("resourceVersion");
            desired = computeDesired!(input);
        }
        var precondition = ObjectFields.ResourceVersion(desired);
        if (string.IsNullOrEmpty(precondition) && requireResourceVersion && !definition.Strategy.AllowUnconditionalUpdate)
        {
            throw ApiException.Invalid(definition.GroupVersionKind, name,
                [FieldError.Invalid("metadata.resourceVersion", JsonValue.Create("0x0"), "must be specified for an update")]);
        }
        if (!string.IsNullOrEmpty(precondition) && precondition != ObjectEncoding.Rv(current.ModRevision))
        {
            throw ApiException.Conflict(definition.Group, definition.Plural, name);
        }

        var (updated, storedManagedFields) = await PrepareUpdateAsync(scope, name, desired, old, current.Value, ct).ConfigureAwait(false);
        var updatedMeta = ObjectFields.Metadata(updated);
        updatedMeta["resourceVersion"] = ObjectEncoding.Rv(current.ModRevision);
        // managedFields are most of the metadata; when tracking found them equal to the stored ones (and nothing
        // replaced them since), comparing them again would only parse the stored ones into nodes.
        var unchanged = storedManagedFields is not null && ReferenceEquals(updatedMeta["managedFields"], storedManagedFields)
            ? SameApartFromManagedFields(updated, old)
            : JsonNode.DeepEquals(updated, old);
        if (unchanged) return new PreparedWrite(current, null, false, false);
        if (scope.DryRun) return new PreparedWrite(DryRunResult(key, updated, current), null, false, false);

        var deleteNow = ObjectFields.MetaString(updated, "deletionTimestamp") is not null && ObjectFields.Finalizers(updated).Count == 0 &&
            !definition.Strategy.HoldsDeletion(updated);
        return new PreparedWrite(null, CheckedEncoder(updated), deleteNow, !string.IsNullOrEmpty(precondition));
    }

    /// <summary>A prepared replacement: <c>Result</c> when there is nothing to write, else <c>Encoder</c>.</summary>
    private readonly record struct PreparedWrite(StoredObject? Result, RevisionEncoder? Encoder, bool Delete, bool Conditional);

    /// <summary>
    /// Deletes an object. With finalizers pending it only marks the object (deletionTimestamp) and returns it;
    /// <c>Deleted</c> tells which happened.
    /// </summary>
    public Task<(StoredObject Object, bool Deleted)> DeleteAsync(RequestScope scope, string name, DeletePreconditions preconditions, CancellationToken ct) =>
        DeleteAsync(scope, name, preconditions, null, ct);

    /// <summary>
    /// Deletes an object with a propagation policy: Foreground and Orphan add their finalizer (so the object is only
    /// marked), Background removes both; null keeps whatever GC finalizers the object has (Background when none).
    /// </summary>
    public async Task<(StoredObject Object, bool Deleted)> DeleteAsync(RequestScope scope, string name, DeletePreconditions preconditions, DeletionPropagation? propagation, CancellationToken ct)
    {
        var definition = scope.Definition;
        var key = StorageKeys.ObjectKey(scope.Cluster, definition, scope.Namespace, name);
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(key, ct).ConfigureAwait(false) ?? throw NotFound(scope, name);
            var obj = ObjectEncoding.Decode(current.Value);
            if (preconditions.Uid is { } uid && uid != ObjectFields.MetaString(obj, "uid"))
            {
                throw ApiException.Conflict(definition.Group, definition.Plural, name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectFields.MetaString(obj, "uid")}");
            }
            if (preconditions.ResourceVersion is { } rv && rv != ObjectEncoding.Rv(current.ModRevision))
            {
                throw ApiException.Conflict(definition.Group, definition.Plural, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.ModRevision}");
            }
            foreach (var plugin in admission)
            {
                await plugin.AdmitAsync(scope, AdmissionOperation.Delete, null, obj, ct).ConfigureAwait(false);
            }

            definition.Strategy.PrepareForDeletion(obj);
            var finalizersChanged = propagation is { } policy && GarbageCollectionFinalizers.Apply(obj, policy);
            try
            {
                if (ObjectFields.Finalizers(obj).Count > 0 || definition.Strategy.HoldsDeletion(obj))
                {
                    var meta = ObjectFields.Metadata(obj);
                    if (meta["deletionTimestamp"] is not null)
                    {
                        // Already being deleted: a new policy may still swap the GC finalizer, nothing else changes.
                        if (!finalizersChanged) return (current, false);
                    }
                    else
                    {
                        meta["deletionTimestamp"] = ObjectFields.FormatTime(time.GetUtcNow());
                        meta["deletionGracePeriodSeconds"] = 0;
                    }
                    if (scope.DryRun) return (DryRunResult(key, obj, current), false);
                    return (await store.UpdateAsync(key, current.ModRevision, CheckedEncoder(obj), ct).ConfigureAwait(false), false);
                }
                if (scope.DryRun) return (current, true);
                return (await store.DeleteAsync(key, current.ModRevision, CheckedEncoder(obj), ct).ConfigureAwait(false), true);
            }
            catch (RevisionConflictException) when (preconditions.ResourceVersion is null && attempt < MaxConflictRetries)
            {
            }
            catch (RevisionConflictException)
            {
                throw ApiException.Conflict(definition.Group, definition.Plural, name);
            }
            catch (KeyMissingException)
            {
                throw NotFound(scope, name);
            }
        }
    }

    private async ValueTask<(JsonObject Updated, JsonNode? StoredManagedFields)> PrepareUpdateAsync(RequestScope scope, string name, JsonObject desired, JsonObject old, byte[] oldBytes, CancellationToken ct)
    {
        var definition = scope.Definition;
        desired["apiVersion"] = definition.ApiVersion;
        desired["kind"] = definition.Kind;
        var meta = ObjectFields.Metadata(desired);
        var bodyName = ObjectFields.Name(desired);
        if (string.IsNullOrEmpty(bodyName)) meta["name"] = name;
        else if (bodyName != name) throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        ApplyNamespace(scope, desired);

        JsonObject updated;
        if (scope.Subresource == "status")
        {
            // A status write changes status only; everything else stays as stored.
            updated = WithStatus(old, desired);
        }
        else
        {
            updated = desired;
            if (definition.HasStatusSubresource)
            {
                var status = old["status"]?.DeepClone();
                if (status is null) updated.Remove("status");
                else updated["status"] = status;
            }
        }

        var newMeta = ObjectFields.Metadata(updated);
        var oldMeta = ObjectFields.Metadata(old);
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName" })
        {
            if (oldMeta[field] is { } value) newMeta[field] = value.DeepClone();
            else newMeta.Remove(field);
        }
        newMeta.Remove("selfLink");

        var errors = CheckSchema(scope, updated);
        errors.AddRange(MetadataRules.Check(newMeta));
        if (oldMeta["deletionTimestamp"] is not null)
        {
            var before = ObjectFields.Finalizers(old).ToHashSet(StringComparer.Ordinal);
            if (ObjectFields.Finalizers(updated).Any(f => !before.Contains(f)))
            {
                errors.Add(FieldError.Forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted"));
            }
        }
        definition.Strategy.PrepareForUpdate(updated, old);
        errors.AddRange(definition.Strategy.ValidateUpdate(updated, old));
        if (errors.Count > 0) throw ApiException.Invalid(definition.GroupVersionKind, name, errors);
        scope.Warnings.AddRange(definition.Strategy.WarningsOnUpdate(updated, old));

        // Generation counts changes of intent: anything outside metadata and status.
        var generation = ObjectFields.Generation(old);
        newMeta["generation"] = SpecChanged(updated, old) ? generation + 1 : Math.Max(generation, 1);
        var storedManagedFields = TrackManagedFields(scope, updated, desired, old, oldBytes);
        foreach (var plugin in admission)
        {
            await plugin.AdmitAsync(scope, AdmissionOperation.Update, updated, old, ct).ConfigureAwait(false);
        }
        return (updated, storedManagedFields);
    }

    // JsonNode.DeepEquals of the two objects, except that metadata.managedFields (which the caller knows to be equal)
    // is not compared.
    private static bool SameApartFromManagedFields(JsonObject a, JsonObject b)
    {
        if (a.Count != b.Count) return false;
        foreach (var (key, value) in a)
        {
            if (!b.TryGetPropertyValue(key, out var other)) return false;
            if (key == "metadata" && value is JsonObject metaA && other is JsonObject metaB)
            {
                if (metaA.Count != metaB.Count) return false;
                foreach (var (field, fieldValue) in metaA)
                {
                    if (field == "managedFields") continue;
                    if (!metaB.TryGetPropertyValue(field, out var otherValue) || !JsonNode.DeepEquals(fieldValue, otherValue)) return false;
                }
                if (metaA.ContainsKey("managedFields") != metaB.ContainsKey("managedFields")) return false;
            }
            else if (!JsonNode.DeepEquals(value, other))
            {
                return false;
            }
        }
        return true;
    }

    // A copy of old with the status of desired, in old's place when it had one (field order shows in the stored
    // bytes); the status moves over from desired, which the write owns and reads nothing else of but metadata.
    private static JsonObject WithStatus(JsonObject old, JsonObject desired)
    {
        var status = desired["status"];
        if (status is not null) desired.Remove("status");
        var result = new JsonObject();
        foreach (var (key, value) in old)
        {
            if (key == "status")
            {
                if (status is not null) result.Add(key, status);
            }
            else
            {
                result.Add(key, value?.DeepClone());
            }
        }
        if (status is not null && !old.ContainsKey("status")) result.Add("status", status);
        return result;
    }

    private static bool SpecChanged(JsonObject a, JsonObject b)
    {
        foreach (var (key, value) in a)
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind") continue;
            if (!JsonNode.DeepEquals(value, b[key])) return true;
        }
        foreach (var (key, _) in b)
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind") continue;
            if (!a.ContainsKey(key)) return true;
        }
        return false;
    }

    private static List<FieldError> CheckSchema(RequestScope scope, JsonObject obj)
    {
        SchemaDefaults.Apply(obj, scope.Definition.Schema);
        var result = SchemaCheck.Run(obj, scope.Definition.Schema);
        if (result.UnknownFields.Count > 0)
        {
            switch (scope.FieldValidation)
            {
                case FieldValidation.Strict:
                    var text = string.Join(", ", result.UnknownFields.Select(f => $"unknown field \"{f}\""));
                    throw ApiException.BadRequest($"strict decoding error: {text}");
                case FieldValidation.Warn:
                    scope.Warnings.AddRange(result.UnknownFields.Select(f => $"unknown field \"{f}\""));
                    break;
            }
        }
        return result.Errors.ToList();
    }

    private static IEnumerable<FieldError> CheckName(ResourceDefinition definition, string name, string? generateName)
    {
        var field = string.IsNullOrEmpty(generateName) ? "metadata.name" : "metadata.generateName";
        foreach (var message in NameRules.Check(name, definition.NameFormat))
        {
            yield return FieldError.Invalid(field, JsonValue.Create(string.IsNullOrEmpty(generateName) ? name : generateName), message);
        }
    }

    private static void ApplyNamespace(RequestScope scope, JsonObject obj)
    {
        var meta = ObjectFields.Metadata(obj);
        var bodyNamespace = ObjectFields.Namespace(obj);
        if (!scope.Definition.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != scope.Namespace)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        meta["namespace"] = scope.Namespace;
    }

    // Encodes now (see PreEncodedObject); the encoder holds bytes, not the object's nodes.
    private RevisionEncoder CheckedEncoder(JsonObject obj)
    {
        var encoded = PreEncodedObject.Encode(obj);
        var managedFields = _managedFields.PendingFor(obj, ObjectFields.Metadata(obj)["managedFields"]);
        return revision =>
        {
            var bytes = encoded.At(revision);
            if (bytes.Length > MaxObjectBytes) throw ApiException.TooLarge($"Request entity too large: the object is {bytes.Length} bytes, the limit is {MaxObjectBytes}");
            if (managedFields is not null) _managedFields.Stored(managedFields, bytes);
            return bytes;
        };
    }

    private StoredObject DryRunResult(string key, JsonObject obj, StoredObject? current = null)
    {
        var rv = current?.ModRevision ?? 0;
        var meta = ObjectFields.Metadata(obj);
        if (current is null) meta.Remove("resourceVersion");
        else meta["resourceVersion"] = ObjectEncoding.Rv(rv);
        var bytes = ObjectEncoding.Encode(obj);
        if (bytes.Length > MaxObjectBytes) throw ApiException.TooLarge($"Request entity too large: the object is {bytes.Length} bytes, the limit is {MaxObjectBytes}");
        return new StoredObject(key, bytes, current?.CreateRevision ?? 0, rv);
    }

    private static ApiException NotFound(RequestScope scope, string name) =>
        ApiException.NotFound(scope.Definition.Group, scope.Definition.Plural, name);

    private static string GenerateName(string prefix)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < suffix.Length; i++) suffix[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        var trimmed = prefix.Length > 58 ? prefix[..58] : prefix;
        return trimmed + new string(suffix);
    }
}

/// <summary>Preconditions of a delete (from DeleteOptions).</summary>
public sealed record DeletePreconditions(string? Uid = null, string? ResourceVersion = null);

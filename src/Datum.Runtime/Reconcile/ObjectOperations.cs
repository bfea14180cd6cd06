using System.Text.Json;
using Datum.Runtime.Api;
using Datum.Runtime.Client;

namespace Datum.Runtime.Reconcile;

/// <summary>What <see cref="ObjectOperations.CreateOrUpdateAsync{T}"/> did.</summary>
public enum OperationResult
{
    /// <summary>The object already was as desired; nothing was written.</summary>
    Unchanged,
    /// <summary>The object did not exist and was created.</summary>
    Created,
    /// <summary>The object existed and was updated.</summary>
    Updated,
}

/// <summary>Read-modify-write helpers that retry on conflicts.</summary>
public static class ObjectOperations
{
    private const int MaxAttempts = 32;

    /// <summary>
    /// Reads the object named by <paramref name="obj"/> from the server (not a cache); when missing, applies
    /// <paramref name="mutate"/> to <paramref name="obj"/> and creates it; otherwise applies it to the current
    /// object and updates only if the JSON changed. Conflicts (a concurrent writer) are retried from a fresh read.
    /// WARNING: <paramref name="mutate"/> should set only fields this controller owns; overwriting fields the server
    /// defaults makes every call an update. It must not change the name or namespace.
    /// </summary>
    public static async Task<(OperationResult Result, T Object)> CreateOrUpdateAsync<T>(ResourceClient<T> client, T obj, Action<T> mutate, CancellationToken ct = default)
        where T : class, IKubeObject
    {
        var ns = obj.Metadata.Namespace;
        var name = obj.Metadata.Name ?? throw new ArgumentException("the object needs a name", nameof(obj));
        for (var attempt = 1; ; attempt++)
        {
            var current = await client.TryGetAsync(ns, name, ct).ConfigureAwait(false);
            try
            {
                if (current is null)
                {
                    mutate(obj);
                    CheckKey(obj, ns, name);
                    return (OperationResult.Created, await client.CreateAsync(obj, ct: ct).ConfigureAwait(false));
                }
                var before = JsonSerializer.SerializeToUtf8Bytes(current, client.TypeInfo);
                mutate(current);
                CheckKey(current, ns, name);
                if (before.AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(current, client.TypeInfo))) return (OperationResult.Unchanged, current);
                return (OperationResult.Updated, await client.UpdateAsync(current, ct: ct).ConfigureAwait(false));
            }
            catch (ApiStatusException e) when ((e.IsConflict || e.IsAlreadyExists) && attempt < MaxAttempts)
            {
                await BackOffAsync(attempt, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads the object, lets <paramref name="mutate"/> change its status (returning false when nothing needs to
    /// change) and writes the status subresource; retried from a fresh read on conflicts. Returns the stored object,
    /// or null when it no longer exists.
    /// </summary>
    public static Task<T?> UpdateStatusAsync<T>(ResourceClient<T> client, string? ns, string name, Func<T, bool> mutate, CancellationToken ct = default)
        where T : class, IKubeObject =>
        ReadMutateWriteAsync(client, ns, name, mutate, WriteStatus, ct);

    /// <summary>Like <see cref="UpdateStatusAsync{T}"/> for the whole object (labels, finalizers, spec).</summary>
    public static Task<T?> UpdateAsync<T>(ResourceClient<T> client, string? ns, string name, Func<T, bool> mutate, CancellationToken ct = default)
        where T : class, IKubeObject =>
        ReadMutateWriteAsync(client, ns, name, mutate, WriteObject, ct);

    /// <summary>
    /// <see cref="UpdateStatusAsync{T}(ResourceClient{T}, string?, string, Func{T, bool}, CancellationToken)"/> starting
    /// from <paramref name="known"/> (typically the informer cache's copy, which is never mutated: a clone is): no read
    /// unless that copy turns out stale (a conflict), then read-mutate-write as usual. Nothing is written when
    /// <paramref name="mutate"/> reports no change.
    /// </summary>
    public static Task<T?> UpdateStatusFromAsync<T>(ResourceClient<T> client, T known, Func<T, bool> mutate, CancellationToken ct = default)
        where T : class, IKubeObject =>
        MutateWriteFromAsync(client, known, mutate, WriteStatus, ct);

    /// <summary>
    /// <see cref="UpdateAsync{T}(ResourceClient{T}, string?, string, Func{T, bool}, CancellationToken)"/> starting from
    /// <paramref name="known"/> (a clone of it): a read only after a conflict.
    /// </summary>
    public static Task<T?> UpdateFromAsync<T>(ResourceClient<T> client, T known, Func<T, bool> mutate, CancellationToken ct = default)
        where T : class, IKubeObject =>
        MutateWriteFromAsync(client, known, mutate, WriteObject, ct);

    private static Task<T> WriteStatus<T>(ResourceClient<T> client, T obj, CancellationToken ct) where T : class, IKubeObject => client.UpdateStatusAsync(obj, ct);

    private static Task<T> WriteObject<T>(ResourceClient<T> client, T obj, CancellationToken ct) where T : class, IKubeObject => client.UpdateAsync(obj, ct: ct);

    private static async Task<T?> ReadMutateWriteAsync<T>(ResourceClient<T> client, string? ns, string name, Func<T, bool> mutate,
        Func<ResourceClient<T>, T, CancellationToken, Task<T>> write, CancellationToken ct)
        where T : class, IKubeObject
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await client.TryGetAsync(ns, name, ct).ConfigureAwait(false);
            if (current is null) return null;
            if (!mutate(current)) return current;
            try
            {
                return await write(client, current, ct).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsConflict && attempt < MaxAttempts)
            {
                await BackOffAsync(attempt, ct).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsNotFound)
            {
                return null;
            }
        }
    }

    private static async Task<T?> MutateWriteFromAsync<T>(ResourceClient<T> client, T known, Func<T, bool> mutate,
        Func<ResourceClient<T>, T, CancellationToken, Task<T>> write, CancellationToken ct)
        where T : class, IKubeObject
    {
        var current = Clone(client, known);
        if (!mutate(current)) return known;
        try
        {
            return await write(client, current, ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsConflict)
        {
            return await ReadMutateWriteAsync(client, known.Metadata.Namespace, known.Metadata.Name!, mutate, write, ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    private static T Clone<T>(ResourceClient<T> client, T obj) where T : class, IKubeObject =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(obj, client.TypeInfo), client.TypeInfo)!;

    // Contenders spread out so one of them wins each round: up to 5 ms · attempt, at most 100 ms, jittered.
    private static Task BackOffAsync(int attempt, CancellationToken ct) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(100, 5 * attempt)), ct);

    private static void CheckKey(IKubeObject obj, string? ns, string name)
    {
        if (obj.Metadata.Name != name || obj.Metadata.Namespace != ns)
        {
            throw new InvalidOperationException($"the mutate function changed the object's key from {ns}/{name} to {obj.Metadata.Namespace}/{obj.Metadata.Name}");
        }
    }
}

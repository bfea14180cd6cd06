using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Datum.Machinery.Apply;

namespace Datum.Server.Registry;

/// <summary>
/// The parsed <c>managedFields</c> entries of recently written objects, by the identity of their stored bytes, so the
/// next write of an object does not parse its fieldsV1 again (a controller writes the same object many times in a
/// row). Bounded: the oldest entries go first; a miss only costs the parse.
/// </summary>
internal sealed class ManagedFieldsCache(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], IReadOnlyList<ManagedFieldsEntry>> _byBytes = new(ReferenceEqualityComparer.Instance);
    private readonly Queue<byte[]> _order = new();

    // What TrackManagedFields put in an object about to be encoded: the managedFields node and the entries it encodes.
    private readonly ConditionalWeakTable<JsonObject, Pending> _pending = new();

    private sealed record Pending(JsonNode Node, IReadOnlyList<ManagedFieldsEntry> Entries);

    /// <summary>The entries of the object stored as <paramref name="bytes"/>, when it was written recently.</summary>
    public IReadOnlyList<ManagedFieldsEntry>? Find(byte[]? bytes)
    {
        if (bytes is null) return null;
        lock (_lock)
        {
            return _byBytes.GetValueOrDefault(bytes);
        }
    }

    /// <summary>Notes that <paramref name="node"/>, now the managedFields of <paramref name="obj"/>, encodes <paramref name="entries"/>.</summary>
    public void Prepare(JsonObject obj, JsonNode node, IReadOnlyList<ManagedFieldsEntry> entries) => _pending.AddOrUpdate(obj, new Pending(node, entries));

    /// <summary>
    /// Remembers the entries of <paramref name="obj"/> for its stored <paramref name="bytes"/>, when its managedFields are
    /// still the node <see cref="Prepare"/> was told about (anything that replaced them afterwards makes the note void).
    /// </summary>
    public void Stored(JsonObject obj, JsonNode? managedFields, byte[] bytes)
    {
        if (!_pending.TryGetValue(obj, out var pending) || !ReferenceEquals(pending.Node, managedFields)) return;
        lock (_lock)
        {
            if (!_byBytes.TryAdd(bytes, pending.Entries)) return;
            _order.Enqueue(bytes);
            if (_order.Count > capacity) _byBytes.Remove(_order.Dequeue());
        }
    }
}

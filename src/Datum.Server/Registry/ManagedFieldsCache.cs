using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Datum.Machinery.Apply;

namespace Datum.Server.Registry;

/// <summary>
/// The parsed <c>managedFields</c> entries of recently written objects, by the identity of their stored bytes, so the
/// next write of an object does not parse its fieldsV1 again (controllers write the same object several times within
/// a second). One entry per object: a write replaces the entry of the bytes it replaced. Bounded, oldest first, so
/// memory stays small whatever the number of objects (keeping entries for every stored object cost +110 MiB on the
/// compute benchmark, see docs/decisions.md); a miss only costs the parse.
/// </summary>
internal sealed class ManagedFieldsCache(int capacity)
{
    private const int StaleSlotsPerEntry = 4;

    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], IReadOnlyList<ManagedFieldsEntry>> _byBytes = new(ReferenceEqualityComparer.Instance);
    private readonly Queue<byte[]> _order = new();

    // What TrackManagedFields put in an object about to be encoded: the managedFields node and the entries it encodes.
    private readonly ConditionalWeakTable<JsonObject, Pending> _pending = new();

    /// <summary>Entries waiting for the stored bytes of their object.</summary>
    public sealed record Pending(JsonNode Node, IReadOnlyList<ManagedFieldsEntry> Entries, byte[]? Replaces);

    /// <summary>The entries of the object stored as <paramref name="bytes"/>, when it was written recently.</summary>
    public IReadOnlyList<ManagedFieldsEntry>? Find(byte[]? bytes)
    {
        if (bytes is null) return null;
        lock (_lock)
        {
            return _byBytes.GetValueOrDefault(bytes);
        }
    }

    /// <summary>
    /// Notes that <paramref name="node"/>, now the managedFields of <paramref name="obj"/>, encodes <paramref name="entries"/>;
    /// <paramref name="replaces"/> are the stored bytes the write replaces (null on create).
    /// </summary>
    public void Prepare(JsonObject obj, JsonNode node, IReadOnlyList<ManagedFieldsEntry> entries, byte[]? replaces) =>
        _pending.AddOrUpdate(obj, new Pending(node, entries, replaces));

    /// <summary>
    /// What <see cref="Prepare"/> noted for <paramref name="obj"/>, when its managedFields are still that node (anything
    /// that replaced them afterwards makes the note void); taken when the object is encoded, before its write is queued.
    /// </summary>
    public Pending? PendingFor(JsonObject obj, JsonNode? managedFields) =>
        _pending.TryGetValue(obj, out var pending) && ReferenceEquals(pending.Node, managedFields) ? pending : null;

    /// <summary>Remembers the entries of <paramref name="pending"/> for the stored <paramref name="bytes"/> of its object.</summary>
    public void Stored(Pending pending, byte[] bytes)
    {
        lock (_lock)
        {
            // The replaced bytes' entry stays in the order queue until it comes round (removing it there is not needed),
            // so the bound counts live entries: an object rewritten five times in a second would otherwise take five
            // of the slots. The queue's stale slots are bounded too, as they keep old versions' bytes alive.
            if (pending.Replaces is not null) _byBytes.Remove(pending.Replaces);
            if (!_byBytes.TryAdd(bytes, pending.Entries)) return;
            _order.Enqueue(bytes);
            while (_byBytes.Count > capacity || _order.Count > StaleSlotsPerEntry * capacity) _byBytes.Remove(_order.Dequeue());
        }
    }
}

using System.Text.Json;
using Datum.Server.Registry;

namespace Datum.Server.Controllers;

/// <summary>One <c>metadata.ownerReferences</c> entry.</summary>
internal readonly record struct OwnerLink(string ApiVersion, string Kind, string Name, string Uid, bool BlockOwnerDeletion);

/// <summary>
/// What the garbage collector knows about one stored object: where it is, its uid, its owners and its deletion state.
/// </summary>
internal sealed class OwnerNode
{
    public required string Key { get; init; }
    public required string Uid { get; init; }
    /// <summary>The storage group segment of the key (<c>core</c> for the legacy group).</summary>
    public required string StorageGroup { get; init; }
    public required string Resource { get; init; }
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    public string? ApiVersion { get; init; }
    public required IReadOnlyList<OwnerLink> Owners { get; init; }
    /// <summary>deletionTimestamp is set.</summary>
    public bool Deleting { get; init; }
    /// <summary>Being deleted with finalizer <c>foregroundDeletion</c>.</summary>
    public bool DeletingDependents { get; init; }
    /// <summary>Being deleted with finalizer <c>orphan</c>.</summary>
    public bool Orphaning { get; init; }

    /// <summary>Whether the garbage collector has anything to do for this object as an owner being deleted.</summary>
    public bool NeedsOwnerWork => Deleting && (DeletingDependents || Orphaning);

    /// <summary>Same owners and deletion state (what decides whether the collector looks again).</summary>
    public bool SameAs(OwnerNode other) =>
        Uid == other.Uid && Deleting == other.Deleting && DeletingDependents == other.DeletingDependents && Orphaning == other.Orphaning &&
        Owners.SequenceEqual(other.Owners);

    /// <summary>
    /// Reads the node of the object stored at <paramref name="key"/> (<c>/registry/{cluster}/{group}/{resource}/[{ns}/]{name}</c>);
    /// null when the key or the bytes are not an object's.
    /// </summary>
    public static OwnerNode? Parse(string key, ReadOnlySpan<byte> value)
    {
        var parts = key.Split('/');
        // "", "registry", cluster, group, resource, [ns,] name
        if (parts.Length is not (6 or 7) || parts[1] != "registry") return null;
        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { AllowTrailingCommas = false });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("metadata", out var meta) || meta.ValueKind != JsonValueKind.Object) return null;
            var uid = Text(meta, "uid");
            if (string.IsNullOrEmpty(uid)) return null;
            var owners = new List<OwnerLink>();
            if (meta.TryGetProperty("ownerReferences", out var refs) && refs.ValueKind == JsonValueKind.Array)
            {
                foreach (var r in refs.EnumerateArray())
                {
                    if (r.ValueKind != JsonValueKind.Object || Text(r, "uid") is not { Length: > 0 } ownerUid) continue;
                    var block = r.TryGetProperty("blockOwnerDeletion", out var b) && b.ValueKind == JsonValueKind.True;
                    owners.Add(new OwnerLink(Text(r, "apiVersion") ?? "", Text(r, "kind") ?? "", Text(r, "name") ?? "", ownerUid, block));
                }
            }
            var foreground = false;
            var orphan = false;
            if (meta.TryGetProperty("finalizers", out var finalizers) && finalizers.ValueKind == JsonValueKind.Array)
            {
                foreach (var f in finalizers.EnumerateArray())
                {
                    if (f.ValueKind != JsonValueKind.String) continue;
                    var name = f.GetString();
                    foreground |= name == GarbageCollectionFinalizers.Foreground;
                    orphan |= name == GarbageCollectionFinalizers.Orphan;
                }
            }
            var deleting = meta.TryGetProperty("deletionTimestamp", out var ts) && ts.ValueKind == JsonValueKind.String;
            return new OwnerNode
            {
                Key = key, Uid = uid, StorageGroup = parts[3], Resource = parts[4],
                Namespace = parts.Length == 7 ? parts[5] : null, Name = parts[^1],
                ApiVersion = Text(root, "apiVersion"),
                Owners = owners, Deleting = deleting, DeletingDependents = deleting && foreground, Orphaning = deleting && orphan,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement obj, string property) =>
        obj.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// Every stored object of one cluster by key and by uid, and the reverse of their ownerReferences (owner uid →
/// dependents). Thread-safe; readers get snapshots.
/// </summary>
internal sealed class OwnerGraph
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OwnerNode> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OwnerNode> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock) return _byKey.Count;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _byKey.Clear();
            _byUid.Clear();
            _dependents.Clear();
        }
    }

    /// <summary>Adds or replaces the node at its key; returns the one it replaced.</summary>
    public OwnerNode? Upsert(OwnerNode node)
    {
        lock (_lock)
        {
            var old = RemoveLocked(node.Key);
            _byKey[node.Key] = node;
            _byUid[node.Uid] = node;
            foreach (var owner in node.Owners)
            {
                if (!_dependents.TryGetValue(owner.Uid, out var set)) _dependents[owner.Uid] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(node.Key);
            }
            return old;
        }
    }

    /// <summary>Removes the node at <paramref name="key"/>; returns it.</summary>
    public OwnerNode? Remove(string key)
    {
        lock (_lock) return RemoveLocked(key);
    }

    public OwnerNode? ByUid(string uid)
    {
        lock (_lock) return _byUid.GetValueOrDefault(uid);
    }

    public OwnerNode? ByKey(string key)
    {
        lock (_lock) return _byKey.GetValueOrDefault(key);
    }

    /// <summary>The objects whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public IReadOnlyList<OwnerNode> DependentsOf(string ownerUid)
    {
        lock (_lock)
        {
            if (!_dependents.TryGetValue(ownerUid, out var keys)) return [];
            return keys.Select(k => _byKey.GetValueOrDefault(k)).OfType<OwnerNode>().Where(n => n.Owners.Any(o => o.Uid == ownerUid)).ToList();
        }
    }

    /// <summary>Every node (a snapshot).</summary>
    public IReadOnlyList<OwnerNode> All()
    {
        lock (_lock) return _byKey.Values.ToList();
    }

    private OwnerNode? RemoveLocked(string key)
    {
        if (!_byKey.Remove(key, out var old)) return null;
        if (_byUid.TryGetValue(old.Uid, out var byUid) && ReferenceEquals(byUid, old)) _byUid.Remove(old.Uid);
        foreach (var owner in old.Owners)
        {
            if (_dependents.TryGetValue(owner.Uid, out var set) && set.Remove(key) && set.Count == 0) _dependents.Remove(owner.Uid);
        }
        return old;
    }
}

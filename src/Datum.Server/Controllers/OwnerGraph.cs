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
            // One pass of a reader over the bytes, skipping spec, status and the rest of metadata: the collector reads
            // every stored change, and building a document would copy and index the whole object each time.
            var reader = new Utf8JsonReader(value);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            string? apiVersion = null;
            Metadata? meta = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("apiVersion"u8))
                {
                    reader.Read();
                    apiVersion = StringOrSkip(ref reader);
                }
                else if (reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject) return null;
                    meta = ReadMetadata(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (meta is null || string.IsNullOrEmpty(meta.Uid)) return null;
            return new OwnerNode
            {
                Key = key, Uid = meta.Uid, StorageGroup = parts[3], Resource = parts[4],
                Namespace = parts.Length == 7 ? parts[5] : null, Name = parts[^1],
                ApiVersion = apiVersion,
                Owners = meta.Owners, Deleting = meta.Deleting, DeletingDependents = meta.Deleting && meta.Foreground,
                Orphaning = meta.Deleting && meta.Orphan,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Metadata
    {
        public string? Uid;
        public List<OwnerLink> Owners = [];
        public bool Deleting;
        public bool Foreground;
        public bool Orphan;
    }

    // Reads the metadata object the reader is at (StartObject) up to its EndObject.
    private static Metadata ReadMetadata(ref Utf8JsonReader reader)
    {
        var meta = new Metadata();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("uid"u8))
            {
                reader.Read();
                meta.Uid = StringOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("deletionTimestamp"u8))
            {
                reader.Read();
                meta.Deleting = reader.TokenType == JsonTokenType.String;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("ownerReferences"u8))
            {
                reader.Read();
                meta.Owners = [];
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (ReadOwner(ref reader) is { } owner) meta.Owners.Add(owner);
                }
            }
            else if (reader.ValueTextEquals("finalizers"u8))
            {
                reader.Read();
                meta.Foreground = meta.Orphan = false;
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        reader.Skip();
                        continue;
                    }
                    meta.Foreground |= reader.ValueTextEquals(GarbageCollectionFinalizers.Foreground);
                    meta.Orphan |= reader.ValueTextEquals(GarbageCollectionFinalizers.Orphan);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return meta;
    }

    // Reads one item of ownerReferences (the reader is at its first token); null when it is not an object with a uid.
    private static OwnerLink? ReadOwner(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        string? apiVersion = null, kind = null, name = null, uid = null;
        var block = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("apiVersion"u8)) { reader.Read(); apiVersion = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("kind"u8)) { reader.Read(); kind = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("name"u8)) { reader.Read(); name = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("uid"u8)) { reader.Read(); uid = StringOrSkip(ref reader); }
            else if (reader.ValueTextEquals("blockOwnerDeletion"u8)) { reader.Read(); block = reader.TokenType == JsonTokenType.True; reader.Skip(); }
            else { reader.Read(); reader.Skip(); }
        }
        return string.IsNullOrEmpty(uid) ? null : new OwnerLink(apiVersion ?? "", kind ?? "", name ?? "", uid, block);
    }

    // The string the reader is at, or null (skipping the value) when it is anything else.
    private static string? StringOrSkip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        reader.Skip();
        return null;
    }
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

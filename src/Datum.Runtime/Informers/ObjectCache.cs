using Datum.Runtime.Api;

namespace Datum.Runtime.Informers;

/// <summary>
/// An informer's local copy of one kind, keyed by <c>namespace/name</c>, with secondary indexes. Reads may be
/// slightly behind the server (by the watch's latency); objects returned are shared with every other reader and
/// must not be modified (clone with <c>with { }</c> and copy collections first).
/// </summary>
public sealed class ObjectCache<T> where T : class, IKubeObject
{
    /// <summary>Index by <c>metadata.namespace</c> (registered on every cache).</summary>
    public const string NamespaceIndex = "namespace";

    /// <summary>Index by owner reference UID (registered on every cache).</summary>
    public const string OwnerUidIndex = "owner-uid";

    private static readonly Func<T, IEnumerable<string>> ByNamespace = o => o.Metadata.Namespace is { } ns ? [ns] : [];
    private static readonly Func<T, IEnumerable<string>> ByOwnerUid = o => o.Metadata.OwnerReferences?.Select(r => r.Uid) ?? [];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

    // A handful of indexes per cache, and thousands of caches (a dozen per project plane): an array, not a dictionary.
    private Index[] _indexes = [new(NamespaceIndex, ByNamespace), new(OwnerUidIndex, ByOwnerUid)];

    internal ObjectCache()
    {
    }

    /// <summary>The cache key of an object: <c>namespace/name</c>, or <c>name</c> when cluster-scoped.</summary>
    public static string KeyOf(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    /// <summary>The cache key of <paramref name="obj"/>.</summary>
    public static string KeyOf(IKubeObject obj) => KeyOf(obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    /// <summary>How many objects are cached.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _items.Count;
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> indexer)
    {
        lock (_lock)
        {
            if (Find(name) is not null) throw new InvalidOperationException($"index {name} already exists");
            var index = new Index(name, indexer);
            _indexes = [.. _indexes, index];
            foreach (var (key, obj) in _items) index.Add(key, obj);
        }
    }

    /// <summary>One object, or null.</summary>
    public T? Get(string? ns, string name)
    {
        lock (_lock) return _items.GetValueOrDefault(KeyOf(ns, name));
    }

    /// <summary>Every object (a snapshot).</summary>
    public IReadOnlyList<T> List()
    {
        lock (_lock) return [.. _items.Values];
    }

    /// <summary>Every object in <paramref name="ns"/>.</summary>
    public IReadOnlyList<T> List(string ns) => ByIndex(NamespaceIndex, ns);

    /// <summary>Every key (a snapshot).</summary>
    public IReadOnlyList<string> Keys()
    {
        lock (_lock) return [.. _items.Keys];
    }

    /// <summary>Objects whose index <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            var index = Find(indexName) ?? throw new ArgumentException($"no index named {indexName}", nameof(indexName));
            return index.Entries.TryGetValue(value, out var objects) ? [.. objects.Values] : [];
        }
    }

    internal T? Upsert(T obj)
    {
        var key = KeyOf(obj);
        lock (_lock)
        {
            var old = _items.GetValueOrDefault(key);
            if (old is not null) Unindex(key, old);
            _items[key] = obj;
            foreach (var index in _indexes) index.Add(key, obj);
            return old;
        }
    }

    internal T? Remove(string key)
    {
        lock (_lock)
        {
            if (!_items.Remove(key, out var old)) return null;
            Unindex(key, old);
            return old;
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var index in _indexes) index.Remove(key, obj);
    }

    private Index? Find(string name) => Array.Find(_indexes, i => i.Name == name);

    /// <summary>
    /// One secondary index: index value → the objects that yield it, by key. It holds the objects themselves (replaced on
    /// every upsert anyway), so a lookup copies them out without looking each key up again.
    /// </summary>
    private sealed class Index(string name, Func<T, IEnumerable<string>> indexer)
    {
        public string Name { get; } = name;

        // Created on first use: most caches of an idle plane hold nothing.
        public Dictionary<string, Dictionary<string, T>> Entries => field ??= new(StringComparer.Ordinal);

        public void Add(string key, T obj)
        {
            foreach (var value in indexer(obj))
            {
                if (!Entries.TryGetValue(value, out var objects)) Entries[value] = objects = new Dictionary<string, T>(StringComparer.Ordinal);
                objects[key] = obj;
            }
        }

        public void Remove(string key, T obj)
        {
            foreach (var value in indexer(obj))
            {
                if (Entries.TryGetValue(value, out var objects) && objects.Remove(key) && objects.Count == 0) Entries.Remove(value);
            }
        }
    }
}

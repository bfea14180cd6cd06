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

    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indexes = new(StringComparer.Ordinal);

    internal ObjectCache()
    {
        AddIndexer(NamespaceIndex, o => o.Metadata.Namespace is { } ns ? [ns] : []);
        AddIndexer(OwnerUidIndex, o => o.Metadata.OwnerReferences?.Select(r => r.Uid) ?? []);
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
            if (!_indexers.TryAdd(name, indexer)) throw new InvalidOperationException($"index {name} already exists");
            var index = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indexes[name] = index;
            foreach (var (key, obj) in _items) Index(index, indexer, key, obj);
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
            if (!_indexes.TryGetValue(indexName, out var index)) throw new ArgumentException($"no index named {indexName}", nameof(indexName));
            return index.TryGetValue(value, out var keys) ? [.. keys.Select(k => _items[k])] : [];
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
            foreach (var (name, indexer) in _indexers) Index(_indexes[name], indexer, key, obj);
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
        foreach (var (name, indexer) in _indexers)
        {
            var index = _indexes[name];
            foreach (var value in indexer(obj))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0) index.Remove(value);
            }
        }
    }

    private static void Index(Dictionary<string, HashSet<string>> index, Func<T, IEnumerable<string>> indexer, string key, T obj)
    {
        foreach (var value in indexer(obj))
        {
            if (!index.TryGetValue(value, out var keys)) index[value] = keys = new HashSet<string>(StringComparer.Ordinal);
            keys.Add(key);
        }
    }
}

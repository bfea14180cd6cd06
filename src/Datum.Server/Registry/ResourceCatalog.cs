using System.Collections.Concurrent;

namespace Datum.Server.Registry;

/// <summary>
/// The kinds this server serves, looked up by URL coordinates. Kinds may be added while the server runs
/// (custom resources), so lookups are thread-safe and <see cref="Changed"/> lets discovery caches reset.
/// </summary>
public sealed class ResourceCatalog
{
    private readonly ConcurrentDictionary<(string Group, string Version, string Plural), ResourceDefinition> _byResource = new();
    private long _generation;

    /// <summary>Raised after a kind is added or removed.</summary>
    public event Action? Changed;

    /// <summary>Increases on every change; caches compare it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Adds or replaces a kind.</summary>
    public void Add(ResourceDefinition definition)
    {
        _byResource[(definition.Group, definition.Version, definition.Plural)] = definition;
        Interlocked.Increment(ref _generation);
        Changed?.Invoke();
    }

    /// <summary>Removes a kind.</summary>
    public bool Remove(string group, string version, string plural)
    {
        var removed = _byResource.TryRemove((group, version, plural), out _);
        if (removed)
        {
            Interlocked.Increment(ref _generation);
            Changed?.Invoke();
        }
        return removed;
    }

    /// <summary>The kind served at <c>group/version/plural</c>, or null.</summary>
    public ResourceDefinition? Find(string group, string version, string plural) =>
        _byResource.TryGetValue((group, version, plural), out var d) ? d : null;

    /// <summary>All kinds, ordered by group, version and plural.</summary>
    public IReadOnlyList<ResourceDefinition> All() =>
        _byResource.Values.OrderBy(d => d.Group, StringComparer.Ordinal)
            .ThenBy(d => d.Version, StringComparer.Ordinal)
            .ThenBy(d => d.Plural, StringComparer.Ordinal).ToList();

    /// <summary>All group/version pairs, ordered, core first.</summary>
    public IReadOnlyList<(string Group, string Version)> GroupVersions() =>
        All().Select(d => (d.Group, d.Version)).Distinct().ToList();
}

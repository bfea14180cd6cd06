namespace Datum.Runtime.Hosting;

/// <summary>
/// The controllers a process can run, by name. Each service registers a setup function (which builds its
/// controllers on the manager with <see cref="Manager.NewController"/>); <c>datum up</c> and <c>datum controllers</c>
/// set up every registered one (or those named by <c>--controllers</c>).
/// </summary>
public sealed class ControllerRegistry
{
    private readonly List<(string Name, Action<Manager> Setup)> _entries = [];

    /// <summary>The registered names, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _entries.Select(e => e.Name)];

    /// <summary>Registers <paramref name="setup"/> under <paramref name="name"/>.</summary>
    public ControllerRegistry Add(string name, Action<Manager> setup)
    {
        if (_entries.Any(e => e.Name == name)) throw new ArgumentException($"a controller named {name} is already registered", nameof(name));
        _entries.Add((name, setup));
        return this;
    }

    /// <summary>Sets up the controllers named in <paramref name="only"/> (all when null) on <paramref name="manager"/>.</summary>
    public void SetUp(Manager manager, IReadOnlyCollection<string>? only = null)
    {
        if (only is not null && only.FirstOrDefault(n => _entries.All(e => e.Name != n)) is { } unknown)
        {
            throw new ArgumentException($"no controller named {unknown}; known: {string.Join(", ", Names)}", nameof(only));
        }
        foreach (var (name, setup) in _entries)
        {
            if (only is null || only.Contains(name)) setup(manager);
        }
    }
}

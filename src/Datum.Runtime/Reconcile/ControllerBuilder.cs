using Datum.Runtime.Api;
using Datum.Runtime.Hosting;

namespace Datum.Runtime.Reconcile;

/// <summary>
/// Sugar over <see cref="Controller"/>: <c>manager.NewController().For&lt;T&gt;().Owns&lt;U&gt;().Watches&lt;V&gt;(map)
/// .WithEventFilter(f).Named(n).Complete(reconciler)</c>. Filters given to For/Owns/Watches apply to that watch;
/// <see cref="WithEventFilter"/> applies to every watch. Nothing is filtered unless asked (see
/// <see cref="EventFilters.GenerationChanged"/>).
/// </summary>
public sealed class ControllerBuilder
{
    private readonly Manager _manager;
    private readonly List<WatchSpec> _watches = [];
    private readonly List<IEventFilter> _globalFilters = [];
    private WatchSpec? _primary;
    private ResourceType? _primaryType;
    private string? _name;
    private ControllerOptions _options = new();

    internal ControllerBuilder(Manager manager) => _manager = manager;

    /// <summary>The primary kind: each of its objects is reconciled when it changes. Call once.</summary>
    public ControllerBuilder For<T>(params IEventFilter[] filters) where T : class, IKubeObject<T>
    {
        if (_primary is not null) throw new InvalidOperationException("For may be called only once");
        _primaryType = T.Resource;
        _primary = new WatchSpec(static (informers, handler) => informers.For<T>().AddHandler(handler), RequestMappers.Self, filters,
            static informers => informers.For<T>().Cache.List());
        return this;
    }

    /// <summary>The primary kind, unstructured.</summary>
    public ControllerBuilder For(ResourceType type, params IEventFilter[] filters)
    {
        if (_primary is not null) throw new InvalidOperationException("For may be called only once");
        _primaryType = type;
        _primary = new WatchSpec((informers, handler) => informers.For(type).AddHandler(handler), RequestMappers.Self, filters,
            informers => informers.For(type).Cache.List());
        return this;
    }

    /// <summary>A kind the primary owns: a change to one reconciles its controller owner (or every owner of the primary kind).</summary>
    public ControllerBuilder Owns<T>(bool everyOwner = false, params IEventFilter[] filters) where T : class, IKubeObject<T>
    {
        var owner = _primaryType ?? throw new InvalidOperationException("call For before Owns");
        _watches.Add(new WatchSpec(static (informers, handler) => informers.For<T>().AddHandler(handler), RequestMappers.Owner(owner, everyOwner), filters,
            static informers => informers.For<T>().Cache.List()));
        return this;
    }

    /// <summary>Any kind, mapped to the primary objects to reconcile by <paramref name="map"/>.</summary>
    public ControllerBuilder Watches<T>(Func<T, IEnumerable<ObjectKey>> map, params IEventFilter[] filters) where T : class, IKubeObject<T>
    {
        _watches.Add(new WatchSpec(static (informers, handler) => informers.For<T>().AddHandler(handler), obj => map((T)obj), filters,
            static informers => informers.For<T>().Cache.List()));
        return this;
    }

    /// <summary>A filter for every watch of this controller.</summary>
    public ControllerBuilder WithEventFilter(IEventFilter filter)
    {
        _globalFilters.Add(filter);
        return this;
    }

    /// <summary>The controller's name (default: the primary kind, lower case).</summary>
    public ControllerBuilder Named(string name)
    {
        _name = name;
        return this;
    }

    /// <summary>Concurrency, resync and retry rates.</summary>
    public ControllerBuilder WithOptions(ControllerOptions options)
    {
        _options = options;
        return this;
    }

    /// <summary>Builds the controller and adds it to the manager.</summary>
    public Controller Complete(IReconciler reconciler)
    {
        var primary = _primary ?? throw new InvalidOperationException("call For before Complete");
        WatchSpec WithGlobal(WatchSpec w) => _globalFilters.Count == 0 ? w : w with { Filters = [.. w.Filters, .. _globalFilters] };
        var name = _name ?? _primaryType!.Kind.ToLowerInvariant();
        var controller = _manager.CreateController(name, reconciler, _options, WithGlobal(primary), [.. _watches.Select(WithGlobal)]);
        return controller;
    }
}

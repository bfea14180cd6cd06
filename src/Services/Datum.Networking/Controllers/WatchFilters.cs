using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Reconcile;

namespace Datum.Networking.Controllers;

/// <summary>
/// Which watch events wake the interface controllers. An interface is written a few times and its claim, context and
/// subnets more often (a context's Ready message counts its bindings); every event that passes costs a reconcile per
/// object it maps to, so each watch passes only the changes its controller acts on.
/// </summary>
internal static class WatchFilters
{
    private static readonly string[] Mirrored = [NetworkingConditions.Prepared, NetworkingConditions.Programmed, NetworkingConditions.Ready];

    /// <summary>
    /// Interface changes the interface controller acts on: creation, deletion, and updates of the spec, the metadata it
    /// reads (deletion, finalizers, owner references) or the provider's <c>Programmed</c>; not the status it writes.
    /// </summary>
    public static IEventFilter ProviderReportOrMetadata { get; } = EventFilters.Updates((o, n) =>
        EventFilters.MetadataOrSpecChanged(o, n)
        || Status.Get(StatusOf(o), NetworkingConditions.Programmed) != Status.Get(StatusOf(n), NetworkingConditions.Programmed));

    /// <summary>
    /// Interface changes a claim acts on: deletion, spec or metadata changes, and the conditions the claim mirrors
    /// (<c>Prepared</c>, <c>Programmed</c>, <c>Ready</c>); not other status writes, and not the creation of an
    /// interface that has not reported yet (the claim's controller creates its interface itself and then waits for
    /// that report). An interface first seen already reported (a relist after a watch gap) passes: its report may be
    /// the only event the waiting claim gets.
    /// </summary>
    public static IEventFilter InterfaceReport { get; } = EventFilters.Updates((o, n) =>
        o.Metadata.Generation != n.Metadata.Generation || o.Metadata.DeletionTimestamp != n.Metadata.DeletionTimestamp
        || !(o.Metadata.OwnerReferences ?? []).SequenceEqual(n.Metadata.OwnerReferences ?? [])
        || Mirrored.Any(type => Status.Get(StatusOf(o), type) != Status.Get(StatusOf(n), type)),
        create: obj => Status.Get(StatusOf(obj), NetworkingConditions.Ready) is not null);

    /// <summary>Deletions only.</summary>
    public static IEventFilter DeletesOnly { get; } = EventFilters.Updates((_, _) => false, create: _ => false);

    /// <summary>A context's or subnet's creation, deletion, or a change of whether it is Ready (what <c>Prepared</c> follows).</summary>
    public static IEventFilter ReadinessChanged { get; } = EventFilters.Updates((o, n) =>
        o.Metadata.DeletionTimestamp != n.Metadata.DeletionTimestamp || Status.IsTrue(ConditionsOf(o), NetworkingConditions.Ready) != Status.IsTrue(ConditionsOf(n), NetworkingConditions.Ready));

    /// <summary>A context's creation, deletion or the start of its deletion (all an unbound claim needs of it).</summary>
    public static IEventFilter Existence { get; } = EventFilters.Updates((o, n) => o.Metadata.DeletionTimestamp != n.Metadata.DeletionTimestamp);

    /// <summary>A subnet's metadata or spec, or its allocated prefix (what an unbound claim's addresses come from).</summary>
    public static IEventFilter SubnetAllocation { get; } = EventFilters.Updates((o, n) =>
        EventFilters.MetadataOrSpecChanged(o, n)
        || o is not SubnetObject os || n is not SubnetObject ns
        || os.Status?.StartAddress != ns.Status?.StartAddress || os.Status?.PrefixLength != ns.Status?.PrefixLength);

    private static NetworkInterfaceStatus? StatusOf(IKubeObject obj) => (obj as NetworkInterfaceObject)?.Status;

    private static ConditionsStatus? ConditionsOf(IKubeObject obj) => obj switch
    {
        NetworkContextObject c => c.Status,
        SubnetObject s => s.Status,
        _ => null,
    };
}

using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>coordination.k8s.io/v1 Lease, used for leader election.</summary>
public static class LeaseKind
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Namespaced = true,
        SupportsStrategicMergePatch = true,
        Schema = CommonSchemas.TopLevel(
            "Lease defines a lease concept.",
            ("spec", Object("LeaseSpec is a specification of a Lease.",
                ("holderIdentity", String("holderIdentity contains the identity of the holder of a current lease.")),
                ("leaseDurationSeconds", Int32("leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.")),
                ("acquireTime", Time("acquireTime is a time when the current lease was acquired.")),
                ("renewTime", Time("renewTime is a time when the current holder of a lease has last updated the lease.")),
                ("leaseTransitions", Int32("leaseTransitions is the number of transitions of a lease between holders.")),
                ("strategy", String("Strategy indicates the strategy for picking the leader for coordinated leader election.")),
                ("preferredHolder", String("PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up."))))),
        PrinterColumns = [new PrinterColumn("Holder", "string", ".spec.holderIdentity")],
    };
}

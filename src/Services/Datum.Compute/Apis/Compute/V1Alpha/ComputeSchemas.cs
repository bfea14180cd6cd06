using Datum.Machinery.Schema;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Compute.Apis.Compute.V1Alpha;

/// <summary>Schema pieces shared by the compute kinds.</summary>
internal static class ComputeSchemas
{
    public static SchemaNode Conditions(string which) => CommonSchemas.Conditions(which);

    private static SchemaNode Ports(string description) => Array(Object("A named port.",
        ("name", String("The port's name (an IANA service name).")),
        ("port", Int32("The port number, 1 to 65535.")),
        ("protocol", Enum("TCP (default), UDP or SCTP.", "TCP", "UDP", "SCTP"))).WithRequired("port"), description);

    private static SchemaNode VolumeAttachments(string description) => Array(Object("A volume attached to the instance.",
        ("name", String("The volume's name (spec.volumes[].name).")),
        ("mountPath", String("Where a container mounts it (sandbox only)."))).WithRequired("name"), description);

    private static SchemaNode DiskSpec { get; } = Object("The disk's spec.",
        ("type", String($"The disk type; only {ComputeNames.DiskType}.") with { Default = ComputeNames.DiskType }),
        ("resources", Object("The disk's size.",
            ("requests", Object("Requests.", ("storage", String("10Gi to 100Gi, in whole Gi."))).WithRequired("storage"))).WithRequired("requests")),
        ("populator", Object("What the disk starts with.",
            ("image", Object("A boot image.", ("name", String($"The image; only {ComputeNames.BootImage}."))).WithRequired("name")),
            ("filesystem", Object("An empty filesystem.", ("type", Enum("ext4.", "ext4"))).WithRequired("type"))))).WithRequired("resources");

    private static SchemaNode Volume { get; } = Object("A volume: exactly one of disk, configMap or secret.",
        ("name", String("The volume's name.")),
        ("disk", Object("A persistent disk.",
            ("deviceName", String("The device name.")),
            ("template", Object("The disk to create.", ("metadata", Any("Labels and annotations of the disk.")), ("spec", DiskSpec))))),
        ("configMap", Any("A Kubernetes ConfigMapVolumeSource (items not implemented).")),
        ("secret", Any("A Kubernetes SecretVolumeSource."))).WithRequired("name");

    public static SchemaNode InstanceSpec(string description) => Object(description,
        ("runtime", Object("What runs: exactly one of sandbox (containers) or virtualMachine.",
            ("resources", Object("The instance's resources.",
                ("instanceType", String($"The instance type; only {ComputeNames.InstanceType}.")),
                ("requests", Any("Not implemented.")))),
            ("sandbox", Object("Containers in a sandbox.",
                ("containers", Array(Object("A container.",
                    ("name", String("The container's name (a DNS label).")),
                    ("image", String("A fully-qualified image reference (registry/repository:tag).")),
                    ("env", Array(Any("A Kubernetes EnvVar."), "Environment variables.")),
                    ("resources", Any("Not implemented.")),
                    ("volumeAttachments", VolumeAttachments("Volumes mounted into the container.")),
                    ("ports", Ports("Ports the container listens on."))).WithRequired("name", "image"), "The containers (at least one).")),
                ("imagePullSecrets", Array(Object("A Secret in the instance's namespace.", ("name", String("The Secret's name."))), "Secrets used to pull images.")))),
            ("virtualMachine", Object("A virtual machine.",
                ("volumeAttachments", VolumeAttachments("Attached volumes; the first is the boot disk.")),
                ("ports", Ports("Ports the machine listens on."))))).WithRequired("resources")),
        ("networkInterfaces", Array(Object("A network interface.",
            ("network", Object("The Network to attach.",
                ("name", String("The Network's name.")),
                ("namespace", String("Ignored: the network is in the instance's namespace."))).WithRequired("name")),
            ("networkPolicy", Object("Ingress rules of the interface.",
                ("ingress", Array(Any("A NetworkPolicyIngressRule {ports[], from[]}."), "Allowed ingress."))))).WithRequired("network"), "The network interfaces (at least one).")),
        ("volumes", Array(Volume, "Volumes.")),
        ("location", Object("The Location the instance runs in (set by its deployment).",
            ("name", String("The Location's name.")),
            ("namespace", String("Ignored: Locations are cluster-scoped.")))),
        ("controller", Object("Set by the workload deployment controller.",
            ("templateHash", String("The hash of the template the instance was made from.")),
            ("schedulingGates", Array(Object("A gate.", ("name", String("The gate's name."))).WithRequired("name"), "Gates that hold the instance back (Network)."))).WithRequired("templateHash")));

    public static SchemaNode InstanceTemplate { get; } = Object("InstanceTemplateSpec: metadata and spec of the instances to create.",
        ("metadata", Object("Labels and annotations copied to instances.",
            ("labels", StringMap("Labels.")),
            ("annotations", StringMap("Annotations.")))),
        ("spec", InstanceSpec("The instances' spec.").WithRequired("runtime", "networkInterfaces"))).WithRequired("spec");

    public static SchemaNode ScaleSettings { get; } = Object("How many instances run in each city.",
        ("minReplicas", Int32("The number of instances per city (1 to 1000).")),
        ("maxReplicas", Int32("Upper bound for autoscaling; requires metrics.")),
        ("metrics", Array(Object("An autoscaling metric.",
            ("resource", Object("A resource metric.",
                ("name", String("The resource; only cpu.")),
                ("target", Object("Exactly one positive target.",
                    ("value", String("A target value (a quantity).")),
                    ("averageValue", String("A target average value (a quantity).")),
                    ("averageUtilization", Int32("A target average utilization, percent."))))).WithRequired("name", "target"))), "Autoscaling metrics.")),
        ("instanceManagementPolicy", Enum("How instances are created and deleted: OrderedReady (one at a time, each waiting for the previous to be Ready).", ComputeNames.OrderedReady)
            with { Default = ComputeNames.OrderedReady })).WithRequired("minReplicas");
}

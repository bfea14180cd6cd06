namespace Datum.Compute.Apis.Compute.V1Alpha;

/// <summary>Names of the <c>compute.datumapis.com</c> group: labels, finalizers, conditions, reasons, limits.</summary>
public static class ComputeNames
{
    /// <summary>The API group.</summary>
    public const string Group = "compute.datumapis.com";

    /// <summary>The version served (v1alpha, as Datum's compute operator).</summary>
    public const string Version = "v1alpha";

    /// <summary><c>compute.datumapis.com/v1alpha</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Label carrying the workload's uid (on deployments and instances).</summary>
    public const string WorkloadUidLabel = "compute.datumapis.com/workload-uid";

    /// <summary>Label carrying the deployment's uid (on instances, bindings, claims).</summary>
    public const string WorkloadDeploymentUidLabel = "compute.datumapis.com/workload-deployment-uid";

    /// <summary>Label carrying an instance's ordinal.</summary>
    public const string InstanceIndexLabel = "compute.datumapis.com/instance-index";

    /// <summary>Annotation with SSH keys, one <c>username:ssh-key</c> per line.</summary>
    public const string SshKeysAnnotation = "compute.datumapis.com/ssh-keys";

    /// <summary>The compute controllers' finalizer (workloads and deployments).</summary>
    public const string Finalizer = "compute.datumapis.com/workload-controller";

    /// <summary>The scheduling gate lifted when the instance's networks are ready.</summary>
    public const string NetworkGate = "Network";

    /// <summary>The only instance type accepted.</summary>
    public const string InstanceType = "datumcloud/d1-standard-2";

    /// <summary>The only disk type accepted (and the default).</summary>
    public const string DiskType = "pd-standard";

    /// <summary>The only boot image accepted.</summary>
    public const string BootImage = "datumcloud/ubuntu-2204-lts";

    /// <summary>The only instance management policy (and the default).</summary>
    public const string OrderedReady = "OrderedReady";

    /// <summary>The name of a deployment: <c>{workload}-{placement}-{lower(city)}</c>.</summary>
    public static string DeploymentName(string workload, string placement, string city) => $"{workload}-{placement}-{city.ToLowerInvariant()}";

    /// <summary>The name of an instance: <c>{deployment}-{ordinal}</c>.</summary>
    public static string InstanceName(string deployment, int ordinal) => $"{deployment}-{ordinal}";

    /// <summary>The NetworkBinding of a deployment's interface (its network in the deployment's Location): <c>{deployment}-net-{i}</c>.</summary>
    public static string BindingName(string deployment, int index) => $"{deployment}-net-{index}";

    /// <summary>The NetworkInterfaceClaim (and so the NetworkInterface) of an instance's interface: <c>{instance}-net-{i}</c>.</summary>
    public static string InterfaceClaimName(string instance, int index) => $"{instance}-net-{index}";

    /// <summary>The name of an instance's interface <c>i</c> inside the instance: <c>eth{i}</c>.</summary>
    public static string InterfaceName(int index) => $"eth{index}";

    /// <summary>The ordinal of an instance name (the number after the last '-'), or -1.</summary>
    public static int OrdinalOf(string name)
    {
        var dash = name.LastIndexOf('-');
        return dash >= 0 && int.TryParse(name.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
    }
}

/// <summary>Condition types and reasons of the compute kinds.</summary>
public static class ComputeConditions
{
    /// <summary>Available (workloads, placements, deployments).</summary>
    public const string Available = "Available";

    /// <summary>InstancesReady (deployments, workloads): False with the first failing instance's reason.</summary>
    public const string InstancesReady = "InstancesReady";

    /// <summary>Ready (instances).</summary>
    public const string Ready = "Ready";

    /// <summary>Programmed (instances; written by the provider).</summary>
    public const string Programmed = "Programmed";

    /// <summary>Running (instances; written by the provider).</summary>
    public const string Running = "Running";

    /// <summary>Reasons of transient, non-failure states: anything else on a not-ready instance is a failure.</summary>
    public static readonly IReadOnlySet<string> TransientReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "SchedulingGatesPresent", "PendingProgramming", "ProgrammingInProgress", "Starting", "Stopping", "Stopped", "Pending", "Running",
        "NotProgrammed", "TemplateOutOfDate",
    };
}

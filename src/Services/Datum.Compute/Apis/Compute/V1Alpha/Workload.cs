using System.Text.Json.Nodes;
using Datum.Compute.Validation;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Compute.Apis.Compute.V1Alpha;

/// <summary>
/// <c>workloads.compute.datumapis.com</c>: an instance template placed in cities. The workload controller makes one
/// WorkloadDeployment <c>{workload}-{placement}-{city}</c> per placement × city code.
/// </summary>
public static class Workload
{
    private static SchemaNode Counters(string description) => Int32(description);

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = ComputeNames.Group, Version = ComputeNames.Version, Kind = "Workload", Plural = "workloads",
        Namespaced = true,
        Categories = ["datum", "compute"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "Workload runs instances of one template in the cities of its placements.",
            ("spec", Object("WorkloadSpec is the desired state of a Workload.",
                ("template", ComputeSchemas.InstanceTemplate),
                ("placements", Array(Object("A placement: cities and how many instances in each.",
                    ("name", String("The placement's name (a DNS label).")),
                    ("cityCodes", Array(String("An IATA city code with a Location, e.g. DFW."), "The cities.")),
                    ("scaleSettings", ComputeSchemas.ScaleSettings)).WithRequired("name", "cityCodes", "scaleSettings"), "Where instances run (at least one)."))).WithRequired("template", "placements")),
            ("status", Object("WorkloadStatus is the observed state of a Workload.",
                ("conditions", ComputeSchemas.Conditions("Available and InstancesReady.")),
                ("deployments", Counters("WorkloadDeployments that exist.")),
                ("replicas", Counters("Instances that exist.")),
                ("currentReplicas", Counters("Instances programmed from the current template.")),
                ("desiredReplicas", Counters("Instances wanted.")),
                ("readyReplicas", Counters("Instances Ready.")),
                ("placements", Array(Object("A placement's status.",
                    ("name", String("The placement.")),
                    ("conditions", ComputeSchemas.Conditions("Available.")),
                    ("deployments", Counters("Its deployments.")),
                    ("replicas", Counters("Instances that exist.")),
                    ("currentReplicas", Counters("Instances programmed from the current template.")),
                    ("desiredReplicas", Counters("Instances wanted.")),
                    ("readyReplicas", Counters("Instances Ready."))), "Per placement.")),
                ("gateway", Any("Unused."))))),
        Strategy = new WorkloadStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Available", "string", ".status.conditions[?(@.type==\"Available\")].status"),
            new PrinterColumn("Deployments", "integer", ".status.deployments"),
            new PrinterColumn("Replicas", "integer", ".status.replicas"),
            new PrinterColumn("Ready", "integer", ".status.readyReplicas"),
            new PrinterColumn("Desired", "integer", ".status.desiredReplicas"),
            new PrinterColumn("Up-to-date", "integer", ".status.currentReplicas"),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Available\")].reason", Priority: 1),
        ],
    };

    private sealed class WorkloadStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj) => ComputeValidation.Workload(obj);
    }
}

/// <summary>
/// <c>workloaddeployments.compute.datumapis.com</c>: a workload's placement in one city; owns the instances
/// <c>{deployment}-{ordinal}</c>.
/// </summary>
public static class WorkloadDeployment
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = ComputeNames.Group, Version = ComputeNames.Version, Kind = "WorkloadDeployment", Plural = "workloaddeployments",
        Namespaced = true,
        Categories = ["datum", "compute"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "WorkloadDeployment is a workload's placement in one city.",
            ("spec", Object("WorkloadDeploymentSpec is the desired state of a WorkloadDeployment.",
                ("workloadRef", Object("The Workload.", ("name", String("Its name.")), ("uid", String("Its uid."))).WithRequired("name", "uid")),
                ("placementName", String("The workload placement.")),
                ("cityCode", String("The city.")),
                ("template", ComputeSchemas.InstanceTemplate),
                ("scaleSettings", ComputeSchemas.ScaleSettings)).WithRequired("workloadRef", "placementName", "cityCode", "template", "scaleSettings")),
            ("status", Object("WorkloadDeploymentStatus is the observed state of a WorkloadDeployment.",
                ("location", Object("The Location chosen.", ("name", String("Its name.")), ("namespace", String("Unused: Locations are cluster-scoped.")))),
                ("conditions", ComputeSchemas.Conditions("Available and InstancesReady.")),
                ("replicas", Int32("Instances that exist.")),
                ("currentReplicas", Int32("Instances programmed from the current template.")),
                ("desiredReplicas", Int32("Instances wanted.")),
                ("readyReplicas", Int32("Instances Ready."))))),
        Strategy = new DeploymentStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("City", "string", ".spec.cityCode"),
            new PrinterColumn("Location", "string", ".status.location.name"),
            new PrinterColumn("Available", "string", ".status.conditions[?(@.type==\"Available\")].status"),
            new PrinterColumn("Replicas", "integer", ".status.replicas"),
            new PrinterColumn("Ready", "integer", ".status.readyReplicas"),
            new PrinterColumn("Desired", "integer", ".status.desiredReplicas"),
            new PrinterColumn("Up-to-date", "integer", ".status.currentReplicas"),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Available\")].reason", Priority: 1),
        ],
    };

    private sealed class DeploymentStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            if (obj["spec"]?["template"] is JsonObject template) foreach (var e in ComputeValidation.Template(template, "spec.template")) yield return e;
            if (obj["spec"]?["scaleSettings"] is JsonObject scale) foreach (var e in ComputeValidation.ScaleSettings(scale, "spec.scaleSettings")) yield return e;
        }
    }
}

/// <summary><c>instances.compute.datumapis.com</c>: one sandbox or virtual machine in a Location.</summary>
public static class Instance
{
    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = ComputeNames.Group, Version = ComputeNames.Version, Kind = "Instance", Plural = "instances",
        Namespaced = true,
        Categories = ["datum", "compute"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "Instance is a sandbox or virtual machine in a Location.",
            ("spec", ComputeSchemas.InstanceSpec("InstanceSpec is the desired state of an Instance.").WithRequired("runtime", "networkInterfaces")),
            ("status", Object("InstanceStatus is the observed state of an Instance.",
                ("conditions", ComputeSchemas.Conditions("Programmed and Running (written by the provider) and Ready.")),
                ("networkInterfaces", Array(Object("An interface's addresses.",
                    ("assignments", Object("Addresses.",
                        ("networkIP", String("The address on the network.")),
                        ("externalIP", String("The public address, if any."))))), "Per spec.networkInterfaces[], in order.")),
                ("controller", Object("Seen by the provider.", ("observedTemplateHash", String("The template hash last programmed."))))))),
        Strategy = new InstanceStrategy(),
        PrinterColumns =
        [
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason"),
            new PrinterColumn("Network IP", "string", ".status.networkInterfaces[0].assignments.networkIP"),
            new PrinterColumn("External IP", "string", ".status.networkInterfaces[0].assignments.externalIP"),
            new PrinterColumn("Location", "string", ".spec.location.name", Priority: 1),
            new PrinterColumn("Running", "string", ".status.conditions[?(@.type==\"Running\")].reason", Priority: 1),
        ],
    };

    private sealed class InstanceStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj) => obj.Remove("status");

        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            if (obj["metadata"]?["annotations"] is JsonObject annotations) foreach (var e in ComputeValidation.Annotations(annotations, "metadata.annotations")) yield return e;
            if (obj["spec"] is JsonObject spec) foreach (var e in ComputeValidation.InstanceSpec(spec, "spec")) yield return e;
        }
    }
}

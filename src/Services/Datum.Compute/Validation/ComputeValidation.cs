using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Machinery.Api;

namespace Datum.Compute.Validation;

/// <summary>
/// The reference's validation of instance specs, templates and workloads (compute's workload webhook and instance
/// validation), done without other objects. Every error carries its field path.
/// </summary>
internal static partial class ComputeValidation
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[0-9]+Gi$")]
    private static partial Regex WholeGi();

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool IsLabel(string? s) => s is { Length: > 0 and <= 63 } && DnsLabel().IsMatch(s);

    /// <summary>A fully-qualified image reference names its registry: <c>docker.io/library/nginx:1.27</c>.</summary>
    public static bool IsFullyQualifiedImage(string image)
    {
        if (image.Length == 0 || image.Any(char.IsWhiteSpace)) return false;
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return false;
        var host = image[..slash];
        return host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost";
    }

    /// <summary>Validates a Workload.</summary>
    public static IEnumerable<FieldError> Workload(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject;
        if (spec is null) yield break;
        if (spec["template"] is JsonObject template)
        {
            foreach (var e in Template(template, "spec.template")) yield return e;
        }
        if (spec["placements"] is not JsonArray placements || placements.Count == 0)
        {
            yield return FieldError.Required("spec.placements", "at least one placement");
            yield break;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < placements.Count; i++)
        {
            var path = $"spec.placements[{i}]";
            if (placements[i] is not JsonObject p) continue;
            var name = Str(p["name"]);
            if (string.IsNullOrEmpty(name)) yield return FieldError.Required($"{path}.name");
            else if (!IsLabel(name)) yield return FieldError.Invalid($"{path}.name", name, "must be a DNS label: lower case letters, digits and '-', at most 63 characters");
            else if (!names.Add(name)) yield return new FieldError(FieldErrorType.Duplicate, $"{path}.name", "", name, true);
            if (p["cityCodes"] is not JsonArray cities || cities.Count == 0) yield return FieldError.Required($"{path}.cityCodes", "at least one city code (an IATA code such as DFW)");
            else
            {
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                for (var j = 0; j < cities.Count; j++)
                {
                    var city = Str(cities[j]);
                    if (string.IsNullOrEmpty(city)) yield return FieldError.Required($"{path}.cityCodes[{j}]");
                    else if (!seen.Add(city)) yield return new FieldError(FieldErrorType.Duplicate, $"{path}.cityCodes[{j}]", "", city, true);
                }
            }
            if (p["scaleSettings"] is not JsonObject scale) yield return FieldError.Required($"{path}.scaleSettings");
            else foreach (var e in ScaleSettings(scale, $"{path}.scaleSettings")) yield return e;
        }
    }

    /// <summary>Validates scale settings: minReplicas 1..1000, maxReplicas needs metrics, metrics' targets.</summary>
    public static IEnumerable<FieldError> ScaleSettings(JsonObject scale, string path)
    {
        var min = scale["minReplicas"] is JsonValue mv && mv.GetValueKind() == JsonValueKind.Number ? mv.GetValue<long>() : (long?)null;
        if (min is null) yield return FieldError.Required($"{path}.minReplicas");
        else if (min < 1 || min > 1000) yield return FieldError.Invalid($"{path}.minReplicas", min, "must be between 1 and 1000");
        if (scale["maxReplicas"] is JsonValue xv && xv.GetValueKind() == JsonValueKind.Number)
        {
            var max = xv.GetValue<long>();
            if (scale["metrics"] is not JsonArray { Count: > 0 }) yield return FieldError.Required($"{path}.metrics", "metrics are required when maxReplicas is set");
            if (min is not null && max < min) yield return FieldError.Invalid($"{path}.maxReplicas", max, "must not be less than minReplicas");
        }
        if (scale["metrics"] is JsonArray metrics)
        {
            for (var i = 0; i < metrics.Count; i++)
            {
                var mp = $"{path}.metrics[{i}].resource";
                if (metrics[i]?["resource"] is not JsonObject resource) { yield return FieldError.Required(mp); continue; }
                var name = Str(resource["name"]);
                if (name != "cpu") yield return FieldError.NotSupported($"{mp}.name", name, ["cpu"]);
                if (resource["target"] is not JsonObject target) continue;
                var set = new[] { "value", "averageValue", "averageUtilization" }.Where(k => target[k] is not null).ToList();
                if (set.Count != 1) yield return FieldError.Invalid($"{mp}.target", null, "exactly one of value, averageValue or averageUtilization");
                foreach (var k in set)
                {
                    var positive = target[k] is JsonValue tv && (tv.GetValueKind() == JsonValueKind.Number ? tv.GetValue<double>() > 0
                        : double.TryParse(Str(tv)?.TrimEnd('m', 'k', 'M', 'G', 'i', 'K'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0);
                    if (!positive) yield return FieldError.Invalid($"{mp}.target.{k}", target[k]?.DeepClone(), "must be positive");
                }
            }
        }
    }

    /// <summary>Validates an instance template (metadata annotations + instance spec).</summary>
    public static IEnumerable<FieldError> Template(JsonObject template, string path)
    {
        if (template["metadata"]?["annotations"] is JsonObject annotations)
        {
            foreach (var e in Annotations(annotations, $"{path}.metadata.annotations")) yield return e;
        }
        if (template["spec"] is JsonObject spec)
        {
            foreach (var e in InstanceSpec(spec, $"{path}.spec")) yield return e;
        }
    }

    /// <summary>The SSH keys annotation: lines of <c>username:ssh-key</c>.</summary>
    public static IEnumerable<FieldError> Annotations(JsonObject annotations, string path)
    {
        if (Str(annotations[ComputeNames.SshKeysAnnotation]) is not { } keys) yield break;
        var lines = keys.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == lines[i].Length - 1 || !lines[i][(colon + 1)..].StartsWith("ssh-", StringComparison.Ordinal) && !lines[i][(colon + 1)..].StartsWith("ecdsa-", StringComparison.Ordinal))
            {
                yield return FieldError.Invalid($"{path}[{ComputeNames.SshKeysAnnotation}]", lines[i], $"line {i + 1}: expected username:ssh-key (e.g. alice:ssh-ed25519 AAAA...)");
            }
        }
    }

    /// <summary>Validates an instance spec at <paramref name="path"/>.</summary>
    public static IEnumerable<FieldError> InstanceSpec(JsonObject spec, string path)
    {
        var volumeNames = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (spec["volumes"] is JsonArray volumes)
        {
            for (var i = 0; i < volumes.Count; i++)
            {
                if (volumes[i] is not JsonObject v) continue;
                foreach (var e in Volume(v, $"{path}.volumes[{i}]", volumeNames)) yield return e;
            }
        }
        var attached = new HashSet<string>(StringComparer.Ordinal);
        if (spec["runtime"] is JsonObject runtime)
        {
            foreach (var e in Runtime(runtime, $"{path}.runtime", volumeNames, attached)) yield return e;
        }
        foreach (var (name, _) in volumeNames)
        {
            if (!attached.Contains(name))
            {
                var index = spec["volumes"]!.AsArray().Select((v, k) => (Str(v?["name"]), k)).First(t => t.Item1 == name).k;
                yield return FieldError.Invalid($"{path}.volumes[{index}]", name, "the volume is not attached: every volume must be attached at least once");
            }
        }
        if (spec["networkInterfaces"] is JsonArray interfaces)
        {
            if (interfaces.Count == 0) yield return FieldError.Required($"{path}.networkInterfaces", "at least one network interface");
            for (var i = 0; i < interfaces.Count; i++)
            {
                if (string.IsNullOrEmpty(Str(interfaces[i]?["network"]?["name"]))) yield return FieldError.Required($"{path}.networkInterfaces[{i}].network.name");
            }
        }
    }

    private static IEnumerable<FieldError> Volume(JsonObject v, string path, Dictionary<string, JsonObject> names)
    {
        var name = Str(v["name"]);
        if (string.IsNullOrEmpty(name)) yield return FieldError.Required($"{path}.name");
        else if (!IsLabel(name)) yield return FieldError.Invalid($"{path}.name", name, "must be a DNS label");
        else if (!names.TryAdd(name, v)) yield return new FieldError(FieldErrorType.Duplicate, $"{path}.name", "", name, true);
        var sources = new[] { "disk", "configMap", "secret" }.Where(k => v[k] is not null).ToList();
        if (sources.Count != 1)
        {
            yield return FieldError.Invalid(path, null, "exactly one of disk, configMap or secret");
        }
        if (v["configMap"] is JsonObject cm && cm["items"] is not null) yield return FieldError.Forbidden($"{path}.configMap.items", "not implemented");
        if (v["disk"] is not JsonObject disk) yield break;
        if (disk["template"]?["spec"] is not JsonObject ds) { yield return FieldError.Required($"{path}.disk.template.spec"); yield break; }
        var type = Str(ds["type"]) ?? ComputeNames.DiskType;
        if (type != ComputeNames.DiskType) yield return FieldError.NotSupported($"{path}.disk.template.spec.type", type, [ComputeNames.DiskType]);
        var storagePath = $"{path}.disk.template.spec.resources.requests.storage";
        var storage = ds["resources"]?["requests"]?["storage"];
        var text = Str(storage);
        if (text is null) yield return FieldError.Required(storagePath, "a size from 10Gi to 100Gi");
        else if (!WholeGi().IsMatch(text)) yield return FieldError.Invalid(storagePath, text, "must be whole Gi, from 10Gi to 100Gi");
        else
        {
            var gi = long.Parse(text.AsSpan(0, text.Length - 2), CultureInfo.InvariantCulture);
            if (gi is < 10 or > 100) yield return FieldError.Invalid(storagePath, text, "must be from 10Gi to 100Gi");
        }
        if (ds["populator"] is JsonObject pop)
        {
            if (pop["image"] is not null && pop["filesystem"] is not null) yield return FieldError.Invalid($"{path}.disk.template.spec.populator", null, "exactly one of image or filesystem");
            if (Str(pop["image"]?["name"]) is { } image && image != ComputeNames.BootImage)
            {
                yield return FieldError.NotSupported($"{path}.disk.template.spec.populator.image.name", image, [ComputeNames.BootImage]);
            }
        }
    }

    private static IEnumerable<FieldError> Runtime(JsonObject runtime, string path, Dictionary<string, JsonObject> volumes, HashSet<string> attached)
    {
        var type = Str(runtime["resources"]?["instanceType"]);
        if (string.IsNullOrEmpty(type)) yield return FieldError.Required($"{path}.resources.instanceType", $"supported: {ComputeNames.InstanceType}");
        else if (type != ComputeNames.InstanceType) yield return FieldError.NotSupported($"{path}.resources.instanceType", type, [ComputeNames.InstanceType]);
        if (runtime["resources"]?["requests"] is not null) yield return FieldError.Forbidden($"{path}.resources.requests", "not implemented");
        var sandbox = runtime["sandbox"] as JsonObject;
        var vm = runtime["virtualMachine"] as JsonObject;
        if (sandbox is null && vm is null) { yield return FieldError.Required(path, "exactly one of sandbox or virtualMachine"); yield break; }
        if (sandbox is not null && vm is not null) { yield return FieldError.Forbidden($"{path}.virtualMachine", "exactly one of sandbox or virtualMachine may be set"); yield break; }
        if (sandbox is not null)
        {
            if (sandbox["containers"] is not JsonArray { Count: > 0 } containers) { yield return FieldError.Required($"{path}.sandbox.containers", "at least one container"); yield break; }
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < containers.Count; i++)
            {
                var cp = $"{path}.sandbox.containers[{i}]";
                if (containers[i] is not JsonObject c) continue;
                var name = Str(c["name"]);
                if (string.IsNullOrEmpty(name)) yield return FieldError.Required($"{cp}.name");
                else if (!IsLabel(name)) yield return FieldError.Invalid($"{cp}.name", name, "must be a DNS label");
                else if (!names.Add(name)) yield return new FieldError(FieldErrorType.Duplicate, $"{cp}.name", "", name, true);
                var image = Str(c["image"]);
                if (string.IsNullOrEmpty(image)) yield return FieldError.Required($"{cp}.image");
                else if (!IsFullyQualifiedImage(image)) yield return FieldError.Invalid($"{cp}.image", image, "must be fully qualified, with its registry (e.g. docker.io/library/nginx:1.27)");
                if (c["resources"] is not null) yield return FieldError.Forbidden($"{cp}.resources", "not implemented");
                foreach (var e in Attachments(c["volumeAttachments"] as JsonArray, $"{cp}.volumeAttachments", volumes, attached)) yield return e;
                foreach (var e in Ports(c["ports"] as JsonArray, $"{cp}.ports")) yield return e;
            }
        }
        else
        {
            if (vm!["volumeAttachments"] is not JsonArray { Count: > 0 } va) { yield return FieldError.Required($"{path}.virtualMachine.volumeAttachments", "at least one: the first is the boot disk"); yield break; }
            foreach (var e in Attachments(va, $"{path}.virtualMachine.volumeAttachments", volumes, attached)) yield return e;
            var boot = Str(va[0]?["name"]);
            if (boot is not null && volumes.TryGetValue(boot, out var bootVolume) && bootVolume["disk"]?["template"]?["spec"]?["populator"]?["image"] is null)
            {
                yield return FieldError.Invalid($"{path}.virtualMachine.volumeAttachments[0].name", boot, $"the first volume must be bootable: a disk populated from image {ComputeNames.BootImage}");
            }
            foreach (var e in Ports(vm["ports"] as JsonArray, $"{path}.virtualMachine.ports")) yield return e;
        }
    }

    private static IEnumerable<FieldError> Attachments(JsonArray? attachments, string path, Dictionary<string, JsonObject> volumes, HashSet<string> attached)
    {
        if (attachments is null) yield break;
        for (var i = 0; i < attachments.Count; i++)
        {
            var name = Str(attachments[i]?["name"]);
            if (string.IsNullOrEmpty(name)) yield return FieldError.Required($"{path}[{i}].name");
            else if (!volumes.ContainsKey(name)) yield return FieldError.Invalid($"{path}[{i}].name", name, "no volume of that name in spec.volumes");
            else attached.Add(name);
        }
    }

    private static IEnumerable<FieldError> Ports(JsonArray? ports, string path)
    {
        if (ports is null) yield break;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i]?["port"] is JsonValue pv && pv.GetValueKind() == JsonValueKind.Number ? pv.GetValue<long>() : (long?)null;
            if (port is null) yield return FieldError.Required($"{path}[{i}].port");
            else if (port is < 1 or > 65535) yield return FieldError.Invalid($"{path}[{i}].port", port, "must be between 1 and 65535");
            if (Str(ports[i]?["name"]) is { } name && !names.Add(name)) yield return new FieldError(FieldErrorType.Duplicate, $"{path}[{i}].name", "", name, true);
        }
    }
}

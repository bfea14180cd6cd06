using System.Text.Json.Nodes;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>core/v1 Event; <c>kubectl describe</c> lists them by <c>involvedObject.*</c> field selectors.</summary>
public static class EventKind
{
    private static readonly SchemaNode ObjectReference = Object(
        "ObjectReference contains enough information to let you inspect or modify the referred object.",
        ("apiVersion", String("API version of the referent.")),
        ("kind", String("Kind of the referent.")),
        ("name", String("Name of the referent.")),
        ("namespace", String("Namespace of the referent.")),
        ("uid", String("UID of the referent.")),
        ("resourceVersion", String("Specific resourceVersion to which this reference is made, if any.")),
        ("fieldPath", String("If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."))) with { ComponentName = "io.k8s.api.core.v1.ObjectReference" };

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = "", Version = "v1", Kind = "Event", Plural = "events", Namespaced = true,
        ShortNames = ["ev"],
        SupportsStrategicMergePatch = true,
        NameFormat = Datum.Machinery.Validation.NameRules.Format.Subdomain,
        Schema = CommonSchemas.TopLevel(
            "Event is a report of an event somewhere in the cluster.",
            ("involvedObject", ObjectReference),
            ("reason", String("This should be a short, machine understandable string that gives the reason for the transition into the object's current status.")),
            ("message", String("A human-readable description of the status of this operation.")),
            ("source", Object("EventSource contains information for an event.", ("component", String("Component from which the event is generated.")), ("host", String("Node name on which the event is generated."))) ),
            ("firstTimestamp", Time("The time at which the event was first recorded.")),
            ("lastTimestamp", Time("The time at which the most recent occurrence of this event was recorded.")),
            ("count", Int32("The number of times this event has occurred.")),
            ("type", String("Type of this event (Normal, Warning), new types could be added in the future")),
            ("eventTime", Time("Time when this Event was first observed.")),
            ("series", Any("Data about the Event series this event represents or nil if it's a singleton Event.") with { Type = "object" }),
            ("action", String("What action was taken/failed regarding to the Regarding object.")),
            ("related", ObjectReference),
            ("reportingComponent", String("Name of the controller that emitted this Event.")),
            ("reportingInstance", String("ID of the controller instance."))).WithRequired("metadata", "involvedObject"),
        SelectableFields = Fields(),
        PrinterColumns =
        [
            new PrinterColumn("Type", "string", ".type"),
            new PrinterColumn("Reason", "string", ".reason"),
            new PrinterColumn("Object", "string", ".involvedObject.name")
            {
                Compute = o => $"{ObjectFields.StringAt(o, "involvedObject.kind")?.ToLowerInvariant()}/{ObjectFields.StringAt(o, "involvedObject.name")}",
            },
            new PrinterColumn("Message", "string", ".message"),
        ],
    };

    private static Dictionary<string, Func<JsonObject, string?>> Fields()
    {
        var fields = new Dictionary<string, Func<JsonObject, string?>>(StringComparer.Ordinal);
        foreach (var part in new[] { "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath" })
        {
            var path = "involvedObject." + part;
            fields[path] = o => ObjectFields.StringAt(o, path) ?? "";
        }
        fields["reason"] = o => o["reason"]?.ToString() ?? "";
        fields["source"] = o => ObjectFields.StringAt(o, "source.component") ?? o["reportingComponent"]?.ToString() ?? "";
        fields["type"] = o => o["type"]?.ToString() ?? "";
        fields["reportingComponent"] = o => o["reportingComponent"]?.ToString() ?? "";
        return fields;
    }
}

using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Server.Registry;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Tests.Kinds;

// This file is the whole of what a service writes to add a kind: its names, its schema and a strategy for
// defaults and checks. No HTTP code: routing, storage, discovery, OpenAPI, watch, patch, selectors,
// finalizers and optimistic concurrency all follow from the ResourceDefinition below, registered with
// `catalog.Add(WidgetKind.Definition)`.

/// <summary>A test kind <c>widgets.example.datumapis.com/v1alpha1</c>.</summary>
public static class WidgetKind
{
    /// <summary>The API group.</summary>
    public const string Group = "example.datumapis.com";

    /// <summary>The version.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The largest replicas the strategy accepts.</summary>
    public const int MaxReplicas = 100;

    /// <summary>The declaration.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Group = Group, Version = Version, Kind = "Widget", Plural = "widgets", Namespaced = true,
        ShortNames = ["wd"],
        HasStatusSubresource = true,
        Schema = CommonSchemas.TopLevel(
            "Widget is a test kind.",
            ("spec", Object("WidgetSpec is the desired state of a Widget.",
                ("replicas", Integer("How many replicas.", minimum: 0)),
                ("color", Enum("The colour.", "red", "green", "blue")),
                ("tags", StringMap("Free-form tags.")))),
            ("status", Object("WidgetStatus is the observed state of a Widget.",
                ("ready", Boolean("Whether the widget is ready.")),
                ("observedGeneration", Integer("The generation last acted on."))))),
        Strategy = new WidgetStrategy(),
        PrinterColumns = [new PrinterColumn("Color", "string", ".spec.color")],
    };

    private sealed class WidgetStrategy : ResourceStrategy
    {
        public override void PrepareForCreate(JsonObject obj)
        {
            if (obj["spec"] is not JsonObject spec)
            {
                spec = new JsonObject();
                obj["spec"] = spec;
            }
            if (spec["color"] is null) spec["color"] = "red";
        }

        public override IEnumerable<FieldError> Validate(JsonObject obj)
        {
            if (obj["spec"] is JsonObject spec && JsonNumbers.TryGetInt64(spec["replicas"], out var replicas) && replicas > MaxReplicas)
            {
                yield return FieldError.Invalid("spec.replicas", spec["replicas"]!.DeepClone(), $"must be less than or equal to {MaxReplicas}");
            }
        }
    }
}

using Datum.Machinery.Schema;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.ResourceManager.Apis;

/// <summary>The schema of a <c>metav1.Condition</c>.</summary>
public static class CommonConditions
{
    /// <summary>One condition.</summary>
    public static SchemaNode Condition { get; } = Object("Condition contains details for one aspect of the current state of this API Resource.",
        ("type", String("Type of condition in CamelCase.")),
        ("status", Enum("Status of the condition, one of True, False, Unknown.", "True", "False", "Unknown")),
        ("observedGeneration", Integer("The .metadata.generation that the condition was set based upon.")),
        ("lastTransitionTime", Time("The last time the condition transitioned from one status to another.")),
        ("reason", String("A programmatic identifier indicating the reason for the condition's last transition.")),
        ("message", String("A human readable message indicating details about the transition.")));
}

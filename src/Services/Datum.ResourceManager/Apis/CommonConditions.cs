using Datum.Machinery.Schema;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.ResourceManager.Apis;

/// <summary>The schema of a <c>metav1.Condition</c>.</summary>
public static class CommonConditions
{
    /// <summary>One condition.</summary>
    public static SchemaNode Condition => CommonSchemas.Condition;
}

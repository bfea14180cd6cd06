using Datum.Machinery.Selectors;

namespace Datum.Server.Registry;

/// <summary>The list options of a request, parsed and checked.</summary>
public sealed record ListQuery
{
    /// <summary>Label selector (everything when empty).</summary>
    public LabelSelector Labels { get; init; } = LabelSelector.Parse(null);

    /// <summary>Field selector (everything when empty).</summary>
    public FieldSelector Fields { get; init; } = FieldSelector.Parse(null);

    /// <summary>Page size; 0 for everything.</summary>
    public int Limit { get; init; }

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }

    /// <summary>The resourceVersion parameter, or null.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>The resourceVersionMatch parameter, or null.</summary>
    public string? ResourceVersionMatch { get; init; }
}

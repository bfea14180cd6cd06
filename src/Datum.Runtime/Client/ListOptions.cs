namespace Datum.Runtime.Client;

/// <summary>Options of list and watch requests (the query parameters of the REST API).</summary>
public sealed record ListOptions
{
    /// <summary>No options.</summary>
    public static ListOptions None { get; } = new();

    /// <summary>labelSelector, e.g. <c>app=web,tier!=db</c>.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>fieldSelector, e.g. <c>metadata.name=x</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Page size (0 = everything).</summary>
    public int Limit { get; init; }

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }

    /// <summary>resourceVersion: for a watch, where to start; for a list, how fresh.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>resourceVersionMatch (<c>Exact</c>, <c>NotOlderThan</c>).</summary>
    public string? ResourceVersionMatch { get; init; }

    /// <summary>Watch: ask for BOOKMARK events.</summary>
    public bool AllowWatchBookmarks { get; init; }

    /// <summary>Watch: end the stream after this many seconds.</summary>
    public int? TimeoutSeconds { get; init; }
}

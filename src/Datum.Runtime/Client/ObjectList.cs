namespace Datum.Runtime.Client;

/// <summary>One page of a list: the items, the list's resourceVersion (where a watch resumes) and the next page's token.</summary>
public sealed record ObjectList<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue);

/// <summary>Watch event types.</summary>
public enum WatchEventType
{
    /// <summary>ADDED.</summary>
    Added,
    /// <summary>MODIFIED.</summary>
    Modified,
    /// <summary>DELETED (the object is its last state).</summary>
    Deleted,
    /// <summary>BOOKMARK: no object, only a resourceVersion to resume from.</summary>
    Bookmark,
}

/// <summary>A decoded watch event. <see cref="Object"/> is null for bookmarks.</summary>
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, string ResourceVersion);

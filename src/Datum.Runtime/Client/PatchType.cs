namespace Datum.Runtime.Client;

/// <summary>Patch formats.</summary>
public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>).</summary>
    Merge,
    /// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>).</summary>
    Json,
    /// <summary>Strategic merge patch, built-in kinds only (<c>application/strategic-merge-patch+json</c>).</summary>
    StrategicMerge,
    /// <summary>Server-side apply (<c>application/apply-patch+yaml</c>); needs a field manager.</summary>
    Apply,
}

/// <summary>Media types of <see cref="PatchType"/>.</summary>
public static class PatchTypes
{
    /// <summary>The media type a patch is sent with.</summary>
    public static string MediaType(PatchType type) => type switch
    {
        PatchType.Merge => "application/merge-patch+json",
        PatchType.Json => "application/json-patch+json",
        PatchType.StrategicMerge => "application/strategic-merge-patch+json",
        PatchType.Apply => "application/apply-patch+yaml",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

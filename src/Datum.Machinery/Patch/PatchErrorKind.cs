namespace Datum.Machinery.Patch;

/// <summary>Why a patch could not be applied, which decides the HTTP status the server answers.</summary>
public enum PatchErrorKind
{
    /// <summary>The patch document itself is invalid (not the right shape, unknown op, bad pointer): 400.</summary>
    Malformed,

    /// <summary>The patch is well-formed but cannot be applied to this object (failed test, missing path): 422.</summary>
    Failed,
}

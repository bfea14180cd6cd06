namespace Datum.Machinery.Patch;

/// <summary>
/// Thrown when a patch cannot be applied. <see cref="Kind"/> tells the caller whether the patch
/// was malformed (400 Bad Request) or could not be applied to the target (422 Unprocessable Entity);
/// the message names the failing operation and path so a person can fix the patch.
/// </summary>
public sealed class PatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PatchException(PatchErrorKind kind, string message) : base(message)
    {
        Kind = kind;
    }

    /// <summary>Whether the patch was malformed or failed against the target.</summary>
    public PatchErrorKind Kind { get; }
}

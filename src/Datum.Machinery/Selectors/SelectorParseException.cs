namespace Datum.Machinery.Selectors;

/// <summary>
/// Thrown when a label or field selector cannot be parsed or fails validation.
/// The message follows the wording of the Kubernetes API server so it can be returned to
/// clients verbatim in a 400 Bad Request status.
/// </summary>
public sealed class SelectorParseException : FormatException
{
    /// <summary>Creates the exception with a client-facing message.</summary>
    public SelectorParseException(string message) : base(message)
    {
    }
}

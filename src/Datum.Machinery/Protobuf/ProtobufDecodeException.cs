namespace Datum.Machinery.Protobuf;

/// <summary>
/// Thrown when a Kubernetes protobuf request body cannot be decoded. When
/// <see cref="IsUnsupportedKind"/> is true the envelope was valid but names a kind this decoder
/// does not know (answer 415 Unsupported Media Type); otherwise the bytes are malformed (answer 400).
/// </summary>
public sealed class ProtobufDecodeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProtobufDecodeException(string message, bool isUnsupportedKind = false) : base(message)
    {
        IsUnsupportedKind = isUnsupportedKind;
    }

    /// <summary>True when the body is well-formed but its apiVersion/kind is not supported.</summary>
    public bool IsUnsupportedKind { get; }
}

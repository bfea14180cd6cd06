namespace Datum.Machinery.Protobuf;

/// <summary>
/// Thrown when a JSON object cannot be written as Kubernetes protobuf: its kind has no schema, or it holds a
/// field or a value the schema does not describe. Callers answer JSON instead, so nothing is lost.
/// </summary>
public sealed class ProtobufEncodeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProtobufEncodeException(string message) : base(message)
    {
    }
}

namespace Datum.Machinery.Protobuf;

/// <summary>
/// One field of a message schema. <paramref name="OmitEmpty"/> mirrors the Go JSON tag: when true a
/// zero value ("" / 0 / false) is left out, as encoding/json would; pointer fields and fields
/// without omitempty set it to false and are written whenever they are on the wire.
/// </summary>
internal sealed record ProtoField(
    int Number,
    string JsonName,
    ProtoFieldKind Kind,
    bool Repeated = false,
    bool OmitEmpty = true,
    ProtoMessageType? Message = null);

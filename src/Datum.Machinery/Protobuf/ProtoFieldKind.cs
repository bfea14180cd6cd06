namespace Datum.Machinery.Protobuf;

/// <summary>How a protobuf field is read and rendered as JSON.</summary>
internal enum ProtoFieldKind
{
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Message,
    Time,
    MicroTime,
    FieldsV1,
    StringMap,
    BytesMap,
    StringListMap,
}

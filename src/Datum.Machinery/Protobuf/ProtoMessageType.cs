namespace Datum.Machinery.Protobuf;

/// <summary>An immutable description of a generated.proto message: field number to field.</summary>
internal sealed class ProtoMessageType
{
    public ProtoMessageType(string name, params ProtoField[] fields)
    {
        Name = name;
        Fields = fields.ToDictionary(f => f.Number);
    }

    public string Name { get; }

    public IReadOnlyDictionary<int, ProtoField> Fields { get; }
}

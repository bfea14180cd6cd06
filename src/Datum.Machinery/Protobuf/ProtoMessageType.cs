namespace Datum.Machinery.Protobuf;

/// <summary>An immutable description of a generated.proto message: field number to field.</summary>
internal sealed class ProtoMessageType
{
    public ProtoMessageType(string name, params ProtoField[] fields)
    {
        Name = name;
        Fields = fields.ToDictionary(f => f.Number);
        Ordered = [.. fields.OrderBy(f => f.Number)];
        ByJsonName = fields.ToDictionary(f => f.JsonName, StringComparer.Ordinal);
    }

    public string Name { get; }

    public IReadOnlyDictionary<int, ProtoField> Fields { get; }

    /// <summary>The fields in field-number order, the order Go's marshallers write them.</summary>
    public IReadOnlyList<ProtoField> Ordered { get; }

    /// <summary>The fields by JSON name.</summary>
    public IReadOnlyDictionary<string, ProtoField> ByJsonName { get; }
}

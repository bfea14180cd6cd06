using System.Text;

namespace Datum.Machinery.Tests.Protobuf;

/// <summary>A minimal protobuf encoder for building test inputs by hand.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public ProtoWriter Varint(int field, ulong value)
    {
        Key(field, 0);
        WriteVarint(value);
        return this;
    }

    public ProtoWriter Bool(int field, bool value) => Varint(field, value ? 1UL : 0UL);

    public ProtoWriter Int64(int field, long value) => Varint(field, unchecked((ulong)value));

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Bytes(int field, byte[] value)
    {
        Key(field, 2);
        WriteVarint((ulong)value.Length);
        _bytes.AddRange(value);
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter Message(int field, Action<ProtoWriter> build)
    {
        var inner = new ProtoWriter();
        build(inner);
        return Message(field, inner);
    }

    public ProtoWriter Fixed64(int field, ulong value)
    {
        Key(field, 1);
        for (var i = 0; i < 8; i++)
        {
            _bytes.Add((byte)(value >> (8 * i)));
        }
        return this;
    }

    public ProtoWriter Fixed32(int field, uint value)
    {
        Key(field, 5);
        for (var i = 0; i < 4; i++)
        {
            _bytes.Add((byte)(value >> (8 * i)));
        }
        return this;
    }

    public ProtoWriter MapEntry(int field, string key, string value) =>
        Message(field, e => e.String(1, key).String(2, value));

    public ProtoWriter MapEntry(int field, string key, byte[] value) =>
        Message(field, e => e.String(1, key).Bytes(2, value));

    public ProtoWriter Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    private void Key(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
    }

    /// <summary>Wraps a message in the k8s magic and a runtime.Unknown envelope.</summary>
    public static byte[] Envelope(string apiVersion, string kind, ProtoWriter raw, string? contentEncoding = null)
    {
        var unknown = new ProtoWriter()
            .Message(1, t => t.String(1, apiVersion).String(2, kind))
            .Message(2, raw)
            .String(3, contentEncoding ?? string.Empty)
            .String(4, string.Empty);
        return [.. "k8s\0"u8.ToArray(), .. unknown.ToArray()];
    }
}

using System.Buffers;
using System.Text;

namespace Datum.Machinery.Protobuf;

/// <summary>An append-only writer of protobuf wire format; nested messages are written to their own output first.</summary>
internal sealed class ProtoOutput
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void Varint(int field, ulong value)
    {
        Tag(field, ProtoReader.WireVarint);
        WriteVarint(value);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, ProtoReader.WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Message(int field, ProtoOutput message) => Bytes(field, message.WrittenSpan);

    private void Tag(int field, int wireType) => WriteVarint(((ulong)(uint)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        Span<byte> scratch = stackalloc byte[10];
        var n = 0;
        while (value >= 0x80)
        {
            scratch[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        scratch[n++] = (byte)value;
        _buffer.Write(scratch[..n]);
    }
}

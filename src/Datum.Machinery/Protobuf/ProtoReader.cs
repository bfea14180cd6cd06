namespace Datum.Machinery.Protobuf;

/// <summary>A forward-only reader of protobuf wire format over a byte span.</summary>
internal ref struct ProtoReader
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Reads a field key and splits it into field number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        var key = ReadVarint();
        var field = key >> 3;
        if (field == 0 || field > 536_870_911)
        {
            throw new ProtobufDecodeException($"invalid protobuf field number {field} at offset {_position}");
        }
        return ((int)field, (int)(key & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new ProtobufDecodeException("truncated protobuf varint");
            }
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw new ProtobufDecodeException("protobuf varint is longer than 10 bytes");
    }

    public ulong ReadFixed64() => BitConverterLittleEndian(8);

    public uint ReadFixed32() => (uint)BitConverterLittleEndian(4);

    private ulong BitConverterLittleEndian(int size)
    {
        if (_data.Length - _position < size)
        {
            throw new ProtobufDecodeException($"truncated protobuf fixed{size * 8} value");
        }
        ulong value = 0;
        for (var i = size - 1; i >= 0; i--)
        {
            value = (value << 8) | _data[_position + i];
        }
        _position += size;
        return value;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new ProtobufDecodeException(
                $"truncated protobuf field: length {length} exceeds the {_data.Length - _position} remaining bytes");
        }
        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>Skips a field the schema does not know, so newer clients stay compatible.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireFixed64:
                ReadFixed64();
                break;
            case WireLengthDelimited:
                ReadLengthDelimited();
                break;
            case WireFixed32:
                ReadFixed32();
                break;
            default:
                // Groups (3, 4) are not used by Kubernetes; anything else is corrupt.
                throw new ProtobufDecodeException($"unsupported protobuf wire type {wireType}");
        }
    }
}

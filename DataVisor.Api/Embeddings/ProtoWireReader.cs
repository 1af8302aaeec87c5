namespace DataVisor.Api.Embeddings;

/// <summary>
/// Reads the protobuf wire format field by field: just enough of it to walk an ONNX file, so the API needs
/// no protobuf package or generated onnx.proto classes for the handful of fields it reads.
/// </summary>
internal ref struct ProtoWireReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public enum WireType
    {
        Varint = 0,
        Fixed64 = 1,
        LengthDelimited = 2,
        Fixed32 = 5,
    }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        if (_position >= _buffer.Length)
        {
            fieldNumber = 0;
            wireType = default;
            return false;
        }

        var tag = ReadVarint();
        fieldNumber = checked((int)(tag >> 3));
        wireType = (WireType)(tag & 7);
        if (fieldNumber == 0 || wireType is not (WireType.Varint or WireType.Fixed64 or WireType.LengthDelimited or WireType.Fixed32))
        {
            throw new InvalidDataException($"Unsupported protobuf tag {tag} at byte {_position}.");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                throw new InvalidDataException("Truncated protobuf varint.");
            }

            var next = _buffer[_position++];
            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("Protobuf varint longer than 10 bytes.");
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = checked((int)ReadVarint());
        if (length > _buffer.Length - _position)
        {
            throw new InvalidDataException("Truncated protobuf field.");
        }

        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadLengthDelimited());

    public float ReadFixed32Float() => BitConverter.ToSingle(Take(4));

    /// <summary>A repeated int64 field, whether written packed (one length-delimited run) or one value per tag.</summary>
    public void ReadInt64s(WireType wireType, List<long> into)
    {
        if (wireType == WireType.LengthDelimited)
        {
            var packed = new ProtoWireReader(ReadLengthDelimited());
            while (packed._position < packed._buffer.Length)
            {
                into.Add((long)packed.ReadVarint());
            }
        }
        else
        {
            into.Add((long)ReadVarint());
        }
    }

    /// <summary>A repeated float field, whether packed or one fixed32 per tag.</summary>
    public void ReadFloats(WireType wireType, List<float> into)
    {
        if (wireType == WireType.LengthDelimited)
        {
            into.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(ReadLengthDelimited()));
        }
        else
        {
            into.Add(ReadFixed32Float());
        }
    }

    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Take(8);
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                Take(4);
                break;
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _buffer.Length - _position)
        {
            throw new InvalidDataException("Truncated protobuf field.");
        }

        var slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }
}

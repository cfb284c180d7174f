using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// One option read by <see cref="TcpOptionReader"/>: its kind and the bytes after the kind and
/// length bytes. The reader has checked the length of every kind it knows, so the typed getters
/// below are safe to call for the matching kind.
/// </summary>
public readonly ref struct TcpOption
{
    internal TcpOption(TcpOptionKind kind, ReadOnlySpan<byte> data)
    {
        Kind = kind;
        Data = data;
    }

    public TcpOptionKind Kind { get; }

    /// <summary>The option's value bytes (without kind and length).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The MSS value of a <see cref="TcpOptionKind.MaximumSegmentSize"/> option.</summary>
    public ushort MaximumSegmentSize => BinaryPrimitives.ReadUInt16BigEndian(Data);

    /// <summary>The shift count of a <see cref="TcpOptionKind.WindowScale"/> option (RFC 7323 §2.3 caps its use at 14).</summary>
    public byte WindowScale => Data[0];

    /// <summary>TSval of a <see cref="TcpOptionKind.Timestamps"/> option.</summary>
    public uint TimestampValue => BinaryPrimitives.ReadUInt32BigEndian(Data);

    /// <summary>TSecr of a <see cref="TcpOptionKind.Timestamps"/> option.</summary>
    public uint TimestampEchoReply => BinaryPrimitives.ReadUInt32BigEndian(Data[4..]);

    /// <summary>The number of blocks in a <see cref="TcpOptionKind.Sack"/> option.</summary>
    public int SackBlockCount => Data.Length / 8;

    /// <summary>Left and right edge of SACK block <paramref name="index"/> (RFC 2018 §3).</summary>
    public (uint Left, uint Right) GetSackBlock(int index)
    {
        var block = Data.Slice(index * 8, 8);
        return (BinaryPrimitives.ReadUInt32BigEndian(block), BinaryPrimitives.ReadUInt32BigEndian(block[4..]));
    }
}

using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>The fields of an ICMP header (RFC 792), to build one in a single call with <see cref="Emit"/>.</summary>
public readonly record struct IcmpV4Header
{
    public IcmpV4Type Type { get; init; }

    public byte Code { get; init; }

    /// <summary>Bytes 4-7: identifier and sequence for echo, next-hop MTU for fragmentation needed, else zero.</summary>
    public uint RestOfHeader { get; init; }

    /// <summary>An echo request or reply header (RFC 792).</summary>
    public static IcmpV4Header Echo(IcmpV4Type type, ushort identifier, ushort sequenceNumber) =>
        new() { Type = type, RestOfHeader = ((uint)identifier << 16) | sequenceNumber };

    /// <summary>
    /// Writes the 8-byte header with a zero Checksum and returns its length: write the data, then
    /// call <see cref="IcmpV4Packet.UpdateChecksum"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than 8 bytes.</exception>
    public int Emit(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, IcmpV4Packet.HeaderLength, nameof(destination));
        destination[IcmpV4Packet.Field.Type] = (byte)Type;
        destination[IcmpV4Packet.Field.Code] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(destination[IcmpV4Packet.Field.Checksum..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[IcmpV4Packet.Field.RestOfHeader..], RestOfHeader);
        return IcmpV4Packet.HeaderLength;
    }
}

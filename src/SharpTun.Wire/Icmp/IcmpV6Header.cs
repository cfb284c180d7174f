using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>The fields of an ICMPv6 header (RFC 4443 §2.1), to build one in a single call with <see cref="Emit"/>.</summary>
public readonly record struct IcmpV6Header
{
    public IcmpV6Type Type { get; init; }

    public byte Code { get; init; }

    /// <summary>Bytes 4-7: identifier and sequence for echo, the MTU for Packet Too Big, the pointer for Parameter Problem.</summary>
    public uint RestOfHeader { get; init; }

    /// <summary>An echo request or reply header (RFC 4443 §4).</summary>
    public static IcmpV6Header Echo(IcmpV6Type type, ushort identifier, ushort sequenceNumber) =>
        new() { Type = type, RestOfHeader = ((uint)identifier << 16) | sequenceNumber };

    /// <summary>
    /// Writes the 8-byte header with a zero Checksum and returns its length: write the data, then
    /// call <see cref="IcmpV6Packet.UpdateChecksum"/> with the pseudo-header sum.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than 8 bytes.</exception>
    public int Emit(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, IcmpV6Packet.HeaderLength, nameof(destination));
        destination[IcmpV6Packet.Field.Type] = (byte)Type;
        destination[IcmpV6Packet.Field.Code] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(destination[IcmpV6Packet.Field.Checksum..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[IcmpV6Packet.Field.RestOfHeader..], RestOfHeader);
        return IcmpV6Packet.HeaderLength;
    }
}

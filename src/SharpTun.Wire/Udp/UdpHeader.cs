using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>The fields of a UDP header (RFC 768), to build one in a single call with <see cref="Emit"/>.</summary>
public readonly record struct UdpHeader
{
    public ushort SourcePort { get; init; }

    public ushort DestinationPort { get; init; }

    /// <summary>Length of the data after the header; Length is this plus 8.</summary>
    public int PayloadLength { get; init; }

    /// <summary>
    /// Writes the 8-byte header with a zero Checksum and returns its length: write the payload, then
    /// call <see cref="UdpDatagram.UpdateChecksum"/> (or leave it zero over IPv4).
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too short or the payload too long.</exception>
    public int Emit(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, UdpDatagram.HeaderLength, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength, nameof(PayloadLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PayloadLength, ushort.MaxValue - UdpDatagram.HeaderLength, nameof(PayloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(destination, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[UdpDatagram.Field.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[UdpDatagram.Field.Length..], (ushort)(UdpDatagram.HeaderLength + PayloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(destination[UdpDatagram.Field.Checksum..], 0);
        return UdpDatagram.HeaderLength;
    }
}

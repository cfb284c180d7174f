using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// The fields of the fixed IPv6 header (RFC 8200 §3), to build one in a single call with
/// <see cref="Emit"/>. Addresses are 128-bit numbers in network order, so building allocates nothing.
/// </summary>
public readonly record struct Ipv6Header
{
    /// <summary>Traffic Class: DSCP and ECN (RFC 8200 §7).</summary>
    public byte TrafficClass { get; init; }

    /// <summary>Flow Label, 20 bits (RFC 6437).</summary>
    public uint FlowLabel { get; init; }

    /// <summary>Length of everything after the fixed header, extension headers included.</summary>
    public int PayloadLength { get; init; }

    /// <summary>The first extension header or the upper-layer protocol.</summary>
    public IpProtocol NextHeader { get; init; }

    /// <summary>Hop Limit; 64 by default (Linux's default).</summary>
    public byte HopLimit { get; init; } = 64;

    public UInt128 Source { get; init; }

    public UInt128 Destination { get; init; }

    public Ipv6Header()
    {
    }

    /// <summary>Writes the 40-byte fixed header at the start of <paramref name="destination"/> and returns its length.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 40 bytes or a field is out of range.</exception>
    public int Emit(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Ipv6Packet.HeaderLength, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FlowLabel, 0xF_FFFFu, nameof(FlowLabel));
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength, nameof(PayloadLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PayloadLength, ushort.MaxValue, nameof(PayloadLength));

        BinaryPrimitives.WriteUInt32BigEndian(destination, (6u << 28) | ((uint)TrafficClass << 20) | FlowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Ipv6Packet.Field.PayloadLength..], (ushort)PayloadLength);
        destination[Ipv6Packet.Field.NextHeader] = (byte)NextHeader;
        destination[Ipv6Packet.Field.HopLimit] = HopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(destination[Ipv6Packet.Field.SourceAddress..], Source);
        BinaryPrimitives.WriteUInt128BigEndian(destination[Ipv6Packet.Field.DestinationAddress..], Destination);
        return Ipv6Packet.HeaderLength;
    }
}

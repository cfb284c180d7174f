using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// The fields of an IPv4 header without options (RFC 791 §3.1), to build one in a single call with
/// <see cref="Emit"/>. Addresses are numbers in network order (10.0.0.1 is 0x0A000001), so building
/// a packet allocates nothing.
/// </summary>
public readonly record struct Ipv4Header
{
    /// <summary>Differentiated Services Code Point, 6 bits (RFC 2474 §3).</summary>
    public byte Dscp { get; init; }

    /// <summary>Explicit Congestion Notification, 2 bits (RFC 3168 §5).</summary>
    public byte Ecn { get; init; }

    public ushort Identification { get; init; }

    public bool DontFragment { get; init; }

    public bool MoreFragments { get; init; }

    /// <summary>Fragment Offset in units of 8 bytes, 13 bits.</summary>
    public ushort FragmentOffset { get; init; }

    /// <summary>Time to Live; 64 by default (the Linux default, RFC 1700's recommendation).</summary>
    public byte TimeToLive { get; init; } = 64;

    public IpProtocol Protocol { get; init; }

    public uint Source { get; init; }

    public uint Destination { get; init; }

    /// <summary>Length of what follows the header; Total Length is this plus 20.</summary>
    public int PayloadLength { get; init; }

    public Ipv4Header()
    {
    }

    /// <summary>Length of the emitted header.</summary>
    public int HeaderLength => Ipv4Packet.MinimumHeaderLength;

    /// <summary>
    /// Writes the 20-byte header, header checksum included, at the start of <paramref name="destination"/>
    /// and returns its length. The payload is written by the caller after it.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than 20 bytes or a field is out of range.</exception>
    public int Emit(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Ipv4Packet.MinimumHeaderLength, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Dscp, (byte)0x3F, nameof(Dscp));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Ecn, (byte)0x03, nameof(Ecn));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FragmentOffset, (ushort)0x1FFF, nameof(FragmentOffset));
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength, nameof(PayloadLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PayloadLength, ushort.MaxValue - Ipv4Packet.MinimumHeaderLength, nameof(PayloadLength));

        var header = destination[..Ipv4Packet.MinimumHeaderLength];
        header[Ipv4Packet.Field.VersionAndHeaderLength] = 0x45;
        header[Ipv4Packet.Field.DscpAndEcn] = (byte)((Dscp << 2) | Ecn);
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Packet.Field.TotalLength..], (ushort)(Ipv4Packet.MinimumHeaderLength + PayloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Packet.Field.Identification..], Identification);
        ushort flags = (ushort)((DontFragment ? 0x4000 : 0) | (MoreFragments ? 0x2000 : 0) | FragmentOffset);
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Packet.Field.FlagsAndFragmentOffset..], flags);
        header[Ipv4Packet.Field.TimeToLive] = TimeToLive;
        header[Ipv4Packet.Field.Protocol] = (byte)Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Packet.Field.HeaderChecksum..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(header[Ipv4Packet.Field.SourceAddress..], Source);
        BinaryPrimitives.WriteUInt32BigEndian(header[Ipv4Packet.Field.DestinationAddress..], Destination);
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Packet.Field.HeaderChecksum..], Checksum.Compute(header));
        return Ipv4Packet.MinimumHeaderLength;
    }
}

using System.Buffers.Binary;
using System.Net;

namespace SharpTun.Wire;

/// <summary>
/// A view over an IPv4 packet (RFC 791 §3.1) in a caller's buffer; getters read and setters write
/// the bytes in place. Bytes after Total Length (link-layer padding) are not part of the view.
/// </summary>
/// <remarks>
/// Setters do not update the header checksum: call <see cref="UpdateHeaderChecksum"/> after a set of
/// changes, or adjust it with <see cref="IncrementalChecksum"/>.
/// </remarks>
public readonly ref struct Ipv4Packet
{
    /// <summary>Length of a header without options (RFC 791 §3.1, IHL = 5).</summary>
    public const int MinimumHeaderLength = 20;

    /// <summary>Length of a header with the most options (IHL = 15).</summary>
    public const int MaximumHeaderLength = 60;

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |Version|  IHL  |    DSCP   |ECN|          Total Length         |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |         Identification        |Flags|      Fragment Offset    |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |  Time to Live |    Protocol   |         Header Checksum       |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                       Source Address                          |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                    Destination Address                        |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                    Options                    |    Padding    |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  (RFC 791 §3.1; DSCP/ECN per RFC 2474 §3 and RFC 3168 §5)
    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        public const int VersionAndHeaderLength = 0;
        public const int DscpAndEcn = 1;
        public const int TotalLength = 2;
        public const int Identification = 4;
        public const int FlagsAndFragmentOffset = 6;
        public const int TimeToLive = 8;
        public const int Protocol = 9;
        public const int HeaderChecksum = 10;
        public const int SourceAddress = 12;
        public const int DestinationAddress = 16;
        public const int Options = 20;
    }

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly Span<byte> _packet;

    private Ipv4Packet(Span<byte> packet) => _packet = packet;

    /// <summary>
    /// Checks version, IHL (at least 5, within the buffer) and Total Length (at least the header,
    /// at most the buffer); never throws. The header checksum is not checked here: see
    /// <see cref="IsHeaderChecksumValid"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Packet packet)
    {
        packet = default;
        if (buffer.Length < MinimumHeaderLength || buffer[0] >> 4 != 4)
            return false;
        int headerLength = (buffer[0] & 0x0F) * 4;
        if (headerLength < MinimumHeaderLength || headerLength > buffer.Length)
            return false;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.TotalLength..]);
        if (totalLength < headerLength || totalLength > buffer.Length)
            return false;
        packet = new Ipv4Packet(buffer[..totalLength]);
        return true;
    }

    /// <summary>
    /// Wraps a packet this program just built, trusting its IHL and Total Length; use
    /// <see cref="TryParse"/> for anything received.
    /// </summary>
    public static Ipv4Packet CreateUnchecked(Span<byte> buffer) =>
        new(buffer[..BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.TotalLength..])]);

    /// <summary>The packet bytes, header through the end of Total Length.</summary>
    public Span<byte> Bytes => _packet;

    /// <summary>The Version field; 4 for every parsed packet.</summary>
    public int Version => _packet[Field.VersionAndHeaderLength] >> 4;

    /// <summary>The header length in bytes (IHL × 4).</summary>
    public int HeaderLength => (_packet[Field.VersionAndHeaderLength] & 0x0F) * 4;

    /// <summary>Differentiated Services Code Point, the upper six bits of the former TOS byte (RFC 2474 §3).</summary>
    public byte Dscp
    {
        get => (byte)(_packet[Field.DscpAndEcn] >> 2);
        set => _packet[Field.DscpAndEcn] = (byte)((value << 2) | (_packet[Field.DscpAndEcn] & 0x03));
    }

    /// <summary>Explicit Congestion Notification, the lower two bits (RFC 3168 §5).</summary>
    public byte Ecn
    {
        get => (byte)(_packet[Field.DscpAndEcn] & 0x03);
        set => _packet[Field.DscpAndEcn] = (byte)((_packet[Field.DscpAndEcn] & 0xFC) | (value & 0x03));
    }

    /// <summary>Total Length: header plus payload, in bytes.</summary>
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[Field.TotalLength..]);

    /// <summary>Identification, shared by the fragments of one datagram.</summary>
    public ushort Identification
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[Field.Identification..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[Field.Identification..], value);
    }

    /// <summary>The DF flag (RFC 791 §3.1).</summary>
    public bool DontFragment
    {
        get => (FlagsAndFragmentOffset & DontFragmentBit) != 0;
        set => FlagsAndFragmentOffset = (ushort)(value ? FlagsAndFragmentOffset | DontFragmentBit : FlagsAndFragmentOffset & ~DontFragmentBit);
    }

    /// <summary>The MF flag: more fragments follow (RFC 791 §3.1).</summary>
    public bool MoreFragments
    {
        get => (FlagsAndFragmentOffset & MoreFragmentsBit) != 0;
        set => FlagsAndFragmentOffset = (ushort)(value ? FlagsAndFragmentOffset | MoreFragmentsBit : FlagsAndFragmentOffset & ~MoreFragmentsBit);
    }

    /// <summary>Fragment Offset in units of 8 bytes (13 bits).</summary>
    public ushort FragmentOffset
    {
        get => (ushort)(FlagsAndFragmentOffset & FragmentOffsetMask);
        set => FlagsAndFragmentOffset = (ushort)((FlagsAndFragmentOffset & ~FragmentOffsetMask) | (value & FragmentOffsetMask));
    }

    /// <summary>True for any fragment of a fragmented datagram: MF set or a non-zero offset.</summary>
    public bool IsFragment => (FlagsAndFragmentOffset & (MoreFragmentsBit | FragmentOffsetMask)) != 0;

    /// <summary>Time to Live.</summary>
    public byte TimeToLive
    {
        get => _packet[Field.TimeToLive];
        set => _packet[Field.TimeToLive] = value;
    }

    /// <summary>The upper-layer protocol of the payload.</summary>
    public IpProtocol Protocol
    {
        get => (IpProtocol)_packet[Field.Protocol];
        set => _packet[Field.Protocol] = (byte)value;
    }

    /// <summary>The stored Header Checksum, in host order of the big-endian word.</summary>
    public ushort HeaderChecksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[Field.HeaderChecksum..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[Field.HeaderChecksum..], value);
    }

    /// <summary>The 4 bytes of the source address, network order; writable.</summary>
    public Span<byte> SourceAddress => _packet.Slice(Field.SourceAddress, 4);

    /// <summary>The 4 bytes of the destination address, network order; writable.</summary>
    public Span<byte> DestinationAddress => _packet.Slice(Field.DestinationAddress, 4);

    /// <summary>The source address as a number (10.0.0.1 is 0x0A000001).</summary>
    public uint Source
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(SourceAddress);
        set => BinaryPrimitives.WriteUInt32BigEndian(SourceAddress, value);
    }

    /// <summary>The destination address as a number (10.0.0.1 is 0x0A000001).</summary>
    public uint Destination
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(DestinationAddress);
        set => BinaryPrimitives.WriteUInt32BigEndian(DestinationAddress, value);
    }

    /// <summary>The options bytes between the fixed header and the payload (empty when IHL = 5).</summary>
    public Span<byte> Options => _packet[Field.Options..HeaderLength];

    /// <summary>The payload: from the end of the header to Total Length.</summary>
    public Span<byte> Payload => _packet[HeaderLength..];

    /// <summary>True when the header sums to zero with its stored checksum (RFC 791 §3.1, RFC 1071).</summary>
    public bool IsHeaderChecksumValid => Checksum.Fold(Checksum.Sum(_packet[..HeaderLength])) == 0;

    /// <summary>Allocates the source as an <see cref="IPAddress"/>; for logs and setup, not the hot path.</summary>
    public IPAddress GetSourceIPAddress() => new(SourceAddress);

    /// <summary>Allocates the destination as an <see cref="IPAddress"/>; for logs and setup, not the hot path.</summary>
    public IPAddress GetDestinationIPAddress() => new(DestinationAddress);

    /// <summary>Recomputes the Header Checksum over the whole header, options included.</summary>
    public void UpdateHeaderChecksum()
    {
        HeaderChecksum = 0;
        HeaderChecksum = Checksum.Compute(_packet[..HeaderLength]);
    }

    /// <summary>
    /// Whether the destination is multicast (224.0.0.0/4, RFC 5771) or in 240.0.0.0/4, which holds
    /// the limited broadcast 255.255.255.255 (RFC 919): not a host anyone can answer for.
    /// </summary>
    public bool IsDestinationMulticastOrBroadcast => DestinationAddress[0] >= 0xE0;

    /// <summary>
    /// Swaps source and destination, as a reply built in place needs; the header checksum and any
    /// pseudo-header sum stay valid because one's-complement addition is commutative.
    /// </summary>
    public void SwapAddresses()
    {
        uint source = Source;
        Source = Destination;
        Destination = source;
    }

    /// <summary>The pseudo-header sum for the payload's TCP/UDP checksum (RFC 793 §3.1, RFC 768).</summary>
    public uint PseudoHeaderSum() => PseudoHeader.SumV4(SourceAddress, DestinationAddress, (byte)Protocol, _packet.Length - HeaderLength);

    /// <summary>Reads the fixed header into its representation (options are not included).</summary>
    public Ipv4Header ToHeader() => new()
    {
        Dscp = Dscp,
        Ecn = Ecn,
        Identification = Identification,
        DontFragment = DontFragment,
        MoreFragments = MoreFragments,
        FragmentOffset = FragmentOffset,
        TimeToLive = TimeToLive,
        Protocol = Protocol,
        Source = Source,
        Destination = Destination,
        PayloadLength = _packet.Length - HeaderLength,
    };

    private ushort FlagsAndFragmentOffset
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[Field.FlagsAndFragmentOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[Field.FlagsAndFragmentOffset..], value);
    }
}

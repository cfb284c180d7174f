using System.Buffers.Binary;
using System.Net;

namespace SharpTun.Wire;

/// <summary>
/// A view over an IPv6 packet (RFC 8200 §3) in a caller's buffer, with its chain of extension
/// headers already walked to the upper-layer protocol. Bytes after Payload Length are not part of
/// the view.
/// </summary>
public readonly ref struct Ipv6Packet
{
    /// <summary>Length of the fixed header (RFC 8200 §3).</summary>
    public const int HeaderLength = 40;

    /// <summary>Minimum MTU of an IPv6 link (RFC 8200 §5).</summary>
    public const int MinimumMtu = 1280;

    /// <summary>At most this many extension headers are walked; a longer chain is refused as hostile.</summary>
    public const int MaximumExtensionHeaders = 16;

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |Version| Traffic Class |           Flow Label                  |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |         Payload Length        |  Next Header  |   Hop Limit   |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                                                               |
    // +                         Source Address                        +
    // |                          (128 bits)                           |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                                                               |
    // +                      Destination Address                      +
    // |                          (128 bits)                           |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  (RFC 8200 §3)
    /// <summary>Byte offsets of the fixed header fields.</summary>
    public static class Field
    {
        public const int VersionTrafficClassFlowLabel = 0;
        public const int PayloadLength = 4;
        public const int NextHeader = 6;
        public const int HopLimit = 7;
        public const int SourceAddress = 8;
        public const int DestinationAddress = 24;
    }

    //  Fragment header (RFC 8200 §4.5):
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                         Identification                        |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// <summary>Byte offsets inside an extension header.</summary>
    public static class ExtensionField
    {
        public const int NextHeader = 0;
        /// <summary>Header Extension Length: the header is (value + 1) × 8 bytes long; for AH, (value + 2) × 4 (RFC 4302 §2.2).</summary>
        public const int Length = 1;
        public const int FragmentOffsetAndFlags = 2;
        public const int FragmentIdentification = 4;
        public const int FragmentHeaderLength = 8;
    }

    private readonly Span<byte> _packet;
    private readonly int _upperLayerOffset;
    private readonly int _fragmentHeaderOffset;
    private readonly IpProtocol _upperLayerProtocol;

    private Ipv6Packet(Span<byte> packet, IpProtocol upperLayerProtocol, int upperLayerOffset, int fragmentHeaderOffset)
    {
        _packet = packet;
        _upperLayerProtocol = upperLayerProtocol;
        _upperLayerOffset = upperLayerOffset;
        _fragmentHeaderOffset = fragmentHeaderOffset;
    }

    /// <summary>
    /// Checks the version and Payload Length (within the buffer; jumbograms, RFC 2675, are refused)
    /// and walks the extension headers; returns false, never throws, on truncation, a Hop-by-Hop
    /// header that is not first (RFC 8200 §4.3), or more than <see cref="MaximumExtensionHeaders"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6Packet packet)
    {
        packet = default;
        if (buffer.Length < HeaderLength || buffer[0] >> 4 != 6)
            return false;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.PayloadLength..]);
        if (payloadLength > buffer.Length - HeaderLength)
            return false;
        var bytes = buffer[..(HeaderLength + payloadLength)];
        if (!TryWalkExtensionHeaders(bytes, out var protocol, out int upperOffset, out int fragmentOffset))
            return false;
        packet = new Ipv6Packet(bytes, protocol, upperOffset, fragmentOffset);
        return true;
    }

    /// <summary>
    /// Wraps a packet this program just built, trusting its Payload Length; use <see cref="TryParse"/>
    /// for anything received.
    /// </summary>
    /// <exception cref="ArgumentException">The extension header chain is malformed.</exception>
    public static Ipv6Packet CreateUnchecked(Span<byte> buffer)
    {
        var bytes = buffer[..(HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.PayloadLength..]))];
        if (!TryWalkExtensionHeaders(bytes, out var protocol, out int upperOffset, out int fragmentOffset))
            throw new ArgumentException("the IPv6 extension header chain is truncated or malformed", nameof(buffer));
        return new Ipv6Packet(bytes, protocol, upperOffset, fragmentOffset);
    }

    /// <summary>The packet bytes, fixed header through the end of Payload Length.</summary>
    public Span<byte> Bytes => _packet;

    /// <summary>Traffic Class (RFC 8200 §7): DSCP in the upper six bits, ECN in the lower two.</summary>
    public byte TrafficClass
    {
        get => (byte)(FirstWord >> 20);
        set => FirstWord = (FirstWord & 0xF00F_FFFF) | ((uint)value << 20);
    }

    /// <summary>Flow Label, 20 bits (RFC 6437).</summary>
    public uint FlowLabel
    {
        get => FirstWord & 0x000F_FFFF;
        set => FirstWord = (FirstWord & 0xFFF0_0000) | (value & 0x000F_FFFF);
    }

    /// <summary>Payload Length: the bytes after the fixed header, extension headers included.</summary>
    public int PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[Field.PayloadLength..]);

    /// <summary>The Next Header field of the fixed header (the first extension header or the upper layer).</summary>
    public IpProtocol NextHeader => (IpProtocol)_packet[Field.NextHeader];

    /// <summary>Hop Limit.</summary>
    public byte HopLimit
    {
        get => _packet[Field.HopLimit];
        set => _packet[Field.HopLimit] = value;
    }

    /// <summary>The 16 bytes of the source address, network order; writable.</summary>
    public Span<byte> SourceAddress => _packet.Slice(Field.SourceAddress, 16);

    /// <summary>The 16 bytes of the destination address, network order; writable.</summary>
    public Span<byte> DestinationAddress => _packet.Slice(Field.DestinationAddress, 16);

    /// <summary>The source address as a 128-bit number in network order.</summary>
    public UInt128 Source
    {
        get => BinaryPrimitives.ReadUInt128BigEndian(SourceAddress);
        set => BinaryPrimitives.WriteUInt128BigEndian(SourceAddress, value);
    }

    /// <summary>The destination address as a 128-bit number in network order.</summary>
    public UInt128 Destination
    {
        get => BinaryPrimitives.ReadUInt128BigEndian(DestinationAddress);
        set => BinaryPrimitives.WriteUInt128BigEndian(DestinationAddress, value);
    }

    /// <summary>Everything after the fixed header: extension headers and the upper-layer packet.</summary>
    public Span<byte> Payload => _packet[HeaderLength..];

    /// <summary>
    /// The protocol after the last extension header: TCP, UDP, ICMPv6, ESP (which cannot be walked),
    /// or <see cref="IpProtocol.NoNextHeader"/>.
    /// </summary>
    public IpProtocol UpperLayerProtocol => _upperLayerProtocol;

    /// <summary>Offset of the upper-layer packet from the start of the IPv6 header.</summary>
    public int UpperLayerOffset => _upperLayerOffset;

    /// <summary>
    /// The upper-layer packet after the extension headers. For a non-first fragment this is a piece
    /// of the middle of it, not a header.
    /// </summary>
    public Span<byte> UpperLayerPayload => _packet[_upperLayerOffset..];

    /// <summary>True when a Fragment header is present (RFC 8200 §4.5), even an atomic one (offset 0, M = 0).</summary>
    public bool HasFragmentHeader => _fragmentHeaderOffset != 0;

    /// <summary>True for a real fragment: a Fragment header with M set or a non-zero offset.</summary>
    public bool IsFragment => HasFragmentHeader && (FragmentOffsetAndFlags & 0xFFF9) != 0;

    /// <summary>Fragment Offset in 8-byte units; 0 without a Fragment header.</summary>
    public ushort FragmentOffset => (ushort)(FragmentOffsetAndFlags >> 3);

    /// <summary>The M flag: more fragments follow; false without a Fragment header.</summary>
    public bool MoreFragments => (FragmentOffsetAndFlags & 1) != 0;

    /// <summary>The fragment Identification; 0 without a Fragment header.</summary>
    public uint FragmentIdentification => HasFragmentHeader
        ? BinaryPrimitives.ReadUInt32BigEndian(_packet[(_fragmentHeaderOffset + ExtensionField.FragmentIdentification)..])
        : 0;

    /// <summary>Allocates the source as an <see cref="IPAddress"/>; for logs and setup, not the hot path.</summary>
    public IPAddress GetSourceIPAddress() => new(SourceAddress);

    /// <summary>Allocates the destination as an <see cref="IPAddress"/>; for logs and setup, not the hot path.</summary>
    public IPAddress GetDestinationIPAddress() => new(DestinationAddress);

    /// <summary>Whether the destination is multicast, ff00::/8 (RFC 4291 §2.7).</summary>
    public bool IsDestinationMulticast => DestinationAddress[0] == 0xFF;

    /// <summary>
    /// Swaps source and destination, as a reply built in place needs; pseudo-header sums stay valid
    /// because one's-complement addition is commutative. A Routing header is not reversed.
    /// </summary>
    public void SwapAddresses()
    {
        UInt128 source = Source;
        Source = Destination;
        Destination = source;
    }

    /// <summary>
    /// The pseudo-header sum for the upper layer's checksum (RFC 8200 §8.1), using the destination
    /// in the fixed header (a packet with a Routing header needs the final destination instead).
    /// </summary>
    public uint PseudoHeaderSum() =>
        PseudoHeader.SumV6(SourceAddress, DestinationAddress, (byte)_upperLayerProtocol, _packet.Length - _upperLayerOffset);

    /// <summary>Reads the fixed header into its representation.</summary>
    public Ipv6Header ToHeader() => new()
    {
        TrafficClass = TrafficClass,
        FlowLabel = FlowLabel,
        PayloadLength = PayloadLength,
        NextHeader = NextHeader,
        HopLimit = HopLimit,
        Source = Source,
        Destination = Destination,
    };

    private uint FirstWord
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_packet);
        set => BinaryPrimitives.WriteUInt32BigEndian(_packet, value);
    }

    private ushort FragmentOffsetAndFlags => HasFragmentHeader
        ? BinaryPrimitives.ReadUInt16BigEndian(_packet[(_fragmentHeaderOffset + ExtensionField.FragmentOffsetAndFlags)..])
        : (ushort)0;

    // Follows Next Header through the extension headers of RFC 8200 §4.1. Every header is at least
    // 8 bytes, so the walk ends; the count limit refuses absurd chains early.
    private static bool TryWalkExtensionHeaders(ReadOnlySpan<byte> packet, out IpProtocol protocol, out int offset, out int fragmentOffset)
    {
        protocol = (IpProtocol)packet[Field.NextHeader];
        offset = HeaderLength;
        fragmentOffset = 0;
        for (int count = 0; ; count++)
        {
            int length;
            switch (protocol)
            {
                case IpProtocol.HopByHopOptions when count != 0:
                    return false;
                case IpProtocol.HopByHopOptions:
                case IpProtocol.Routing:
                case IpProtocol.DestinationOptions:
                    if (packet.Length - offset < 8)
                        return false;
                    length = (packet[offset + ExtensionField.Length] + 1) * 8;
                    break;
                case IpProtocol.Fragment:
                    if (packet.Length - offset < ExtensionField.FragmentHeaderLength || fragmentOffset != 0)
                        return false;
                    fragmentOffset = offset;
                    length = ExtensionField.FragmentHeaderLength;
                    break;
                case IpProtocol.AuthenticationHeader:
                    // RFC 4302 §2.2: Payload Len counts 4-byte words, minus 2.
                    if (packet.Length - offset < 8)
                        return false;
                    length = (packet[offset + ExtensionField.Length] + 2) * 4;
                    break;
                default:
                    return true;
            }
            if (count == MaximumExtensionHeaders || length > packet.Length - offset)
                return false;
            protocol = (IpProtocol)packet[offset + ExtensionField.NextHeader];
            offset += length;
        }
    }
}

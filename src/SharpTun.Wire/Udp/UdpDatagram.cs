using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// A view over a UDP datagram (RFC 768), the payload of an IP packet, in a caller's buffer. Bytes
/// after the Length field's end are not part of the view.
/// </summary>
/// <remarks>
/// A stored checksum of zero means "no checksum" over IPv4 (RFC 768); it is mandatory over IPv6
/// (RFC 8200 §8.1). A computed zero is therefore sent as 0xFFFF, which <see cref="ComputeChecksum"/>
/// does. A zero checksum must not be updated incrementally: check <see cref="HasChecksum"/> first.
/// </remarks>
public readonly ref struct UdpDatagram
{
    /// <summary>Length of the header.</summary>
    public const int HeaderLength = 8;

    //  0      7 8     15 16    23 24    31
    // +--------+--------+--------+--------+
    // |     Source      |   Destination   |
    // |      Port       |      Port       |
    // +--------+--------+--------+--------+
    // |                 |                 |
    // |     Length      |    Checksum     |
    // +--------+--------+--------+--------+
    //  (RFC 768)
    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        public const int SourcePort = 0;
        public const int DestinationPort = 2;
        public const int Length = 4;
        public const int Checksum = 6;
    }

    private readonly Span<byte> _datagram;

    private UdpDatagram(Span<byte> datagram) => _datagram = datagram;

    /// <summary>
    /// Checks that the header fits and that Length is at least 8 and within the buffer; never throws.
    /// Length 0, which an IPv6 jumbogram uses (RFC 2675 §4), is refused: jumbograms are not supported.
    /// </summary>
    /// <param name="buffer">The IP payload.</param>
    public static bool TryParse(Span<byte> buffer, out UdpDatagram datagram)
    {
        datagram = default;
        if (buffer.Length < HeaderLength)
            return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.Length..]);
        if (length < HeaderLength || length > buffer.Length)
            return false;
        datagram = new UdpDatagram(buffer[..length]);
        return true;
    }

    /// <summary>Wraps a datagram this program just built, trusting its Length; use <see cref="TryParse"/> for anything received.</summary>
    public static UdpDatagram CreateUnchecked(Span<byte> buffer) =>
        new(buffer[..BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.Length..])]);

    /// <summary>The datagram bytes, header and payload.</summary>
    public Span<byte> Bytes => _datagram;

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram, value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[Field.DestinationPort..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[Field.DestinationPort..], value);
    }

    /// <summary>Length of header plus payload.</summary>
    public int Length => BinaryPrimitives.ReadUInt16BigEndian(_datagram[Field.Length..]);

    /// <summary>The stored Checksum, in host order of the big-endian word; 0 means none (IPv4 only).</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[Field.Checksum..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[Field.Checksum..], value);
    }

    /// <summary>False when the sender left the checksum out (a stored 0, RFC 768).</summary>
    public bool HasChecksum => Checksum != 0;

    /// <summary>The data after the header.</summary>
    public Span<byte> Payload => _datagram[HeaderLength..];

    /// <summary>
    /// The checksum this datagram should carry, computed with its Checksum field taken as zero; a
    /// computed zero is returned as 0xFFFF (RFC 768).
    /// </summary>
    public ushort ComputeChecksum(uint pseudoHeaderSum)
    {
        ushort checksum = Wire.Checksum.Fold(Wire.Checksum.Sum(_datagram[HeaderLength..], Wire.Checksum.Sum(_datagram[..Field.Checksum], pseudoHeaderSum)));
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }

    /// <summary>Writes <see cref="ComputeChecksum"/> into the Checksum field.</summary>
    public void UpdateChecksum(uint pseudoHeaderSum) => Checksum = ComputeChecksum(pseudoHeaderSum);

    /// <summary>
    /// True when pseudo-header and datagram sum to zero with the stored checksum. A missing IPv4
    /// checksum (0) is not valid by this test: check <see cref="HasChecksum"/> first.
    /// </summary>
    public bool IsChecksumValid(uint pseudoHeaderSum) =>
        HasChecksum && Wire.Checksum.Fold(Wire.Checksum.Sum(_datagram, pseudoHeaderSum)) == 0;

    /// <summary>Reads the header into its representation.</summary>
    public UdpHeader ToHeader() => new()
    {
        SourcePort = SourcePort,
        DestinationPort = DestinationPort,
        PayloadLength = Length - HeaderLength,
    };
}

using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// A view over an ICMP message (RFC 792), the payload of an IPv4 packet, in a caller's buffer;
/// getters read and setters write in place. The checksum covers the whole message and no
/// pseudo-header.
/// </summary>
public readonly ref struct IcmpV4Packet
{
    /// <summary>Length of type, code, checksum and the 4-byte rest of header.</summary>
    public const int HeaderLength = 8;

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |     Type      |     Code      |          Checksum             |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |           Identifier          |        Sequence Number        |  echo
    // |            unused             |         Next-Hop MTU          |  unreachable
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |  echo data, or the invoking IP header + 64 bits of its data   |
    // +-+-+-+-+-
    //  (RFC 792; Next-Hop MTU per RFC 1191 §4)
    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        public const int Type = 0;
        public const int Code = 1;
        public const int Checksum = 2;
        public const int RestOfHeader = 4;
        public const int Identifier = 4;
        public const int SequenceNumber = 6;
        public const int NextHopMtu = 6;
        public const int Data = 8;
    }

    private readonly Span<byte> _message;

    private IcmpV4Packet(Span<byte> message) => _message = message;

    /// <summary>Checks that the 8-byte header fits; never throws.</summary>
    /// <param name="buffer">The IP payload: exactly the message.</param>
    public static bool TryParse(Span<byte> buffer, out IcmpV4Packet packet)
    {
        packet = buffer.Length >= HeaderLength ? new IcmpV4Packet(buffer) : default;
        return buffer.Length >= HeaderLength;
    }

    /// <summary>Wraps a message this program just built; use <see cref="TryParse"/> for anything received.</summary>
    public static IcmpV4Packet CreateUnchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The message bytes.</summary>
    public Span<byte> Bytes => _message;

    public IcmpV4Type Type
    {
        get => (IcmpV4Type)_message[Field.Type];
        set => _message[Field.Type] = (byte)value;
    }

    public byte Code
    {
        get => _message[Field.Code];
        set => _message[Field.Code] = value;
    }

    /// <summary>The stored Checksum, in host order of the big-endian word.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[Field.Checksum..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[Field.Checksum..], value);
    }

    /// <summary>Bytes 4-7, whose meaning depends on the type.</summary>
    public uint RestOfHeader
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_message[Field.RestOfHeader..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_message[Field.RestOfHeader..], value);
    }

    /// <summary>Identifier of an echo request or reply.</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[Field.Identifier..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[Field.Identifier..], value);
    }

    /// <summary>Sequence Number of an echo request or reply.</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[Field.SequenceNumber..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[Field.SequenceNumber..], value);
    }

    /// <summary>Next-Hop MTU of a Destination Unreachable, Fragmentation Needed (RFC 1191 §4).</summary>
    public ushort NextHopMtu
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[Field.NextHopMtu..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[Field.NextHopMtu..], value);
    }

    /// <summary>
    /// Everything after the 8-byte header: echo data, or for Destination Unreachable and Time
    /// Exceeded the invoking packet's IP header plus at least 8 bytes of its data (RFC 792); parse it
    /// with <see cref="Ipv4Packet.TryParse"/>, which fails when the sender truncated Total Length.
    /// </summary>
    public Span<byte> Data => _message[HeaderLength..];

    /// <summary>True when the message sums to zero with the stored checksum (RFC 792).</summary>
    public bool IsChecksumValid => Wire.Checksum.Fold(Wire.Checksum.Sum(_message)) == 0;

    /// <summary>The checksum this message should carry, computed with its Checksum field taken as zero.</summary>
    public ushort ComputeChecksum() =>
        Wire.Checksum.Fold(Wire.Checksum.Sum(_message[(Field.Checksum + 2)..], Wire.Checksum.Sum(_message[..Field.Checksum])));

    /// <summary>Writes <see cref="ComputeChecksum"/> into the Checksum field.</summary>
    public void UpdateChecksum() => Checksum = ComputeChecksum();

    /// <summary>
    /// Changes Type and Code and adjusts the checksum incrementally (RFC 1624 §3), e.g. an echo
    /// request into an echo reply without summing the data again.
    /// </summary>
    public void SetTypeAndCode(IcmpV4Type type, byte code)
    {
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_message);
        ushort newWord = (ushort)(((byte)type << 8) | code);
        BinaryPrimitives.WriteUInt16BigEndian(_message, newWord);
        Checksum = IncrementalChecksum.Update(Checksum, oldWord, newWord);
    }

    /// <summary>Reads the header into its representation.</summary>
    public IcmpV4Header ToHeader() => new() { Type = Type, Code = Code, RestOfHeader = RestOfHeader };
}

using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// A view over an ICMPv6 message (RFC 4443 §2.1), the upper-layer payload of an IPv6 packet, in a
/// caller's buffer; getters read and setters write in place. Unlike ICMP for IPv4, the checksum
/// includes the IPv6 pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1).
/// </summary>
public readonly ref struct IcmpV6Packet
{
    /// <summary>Length of type, code, checksum and the 4-byte rest of header.</summary>
    public const int HeaderLength = 8;

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |     Type      |     Code      |          Checksum             |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |           Identifier          |        Sequence Number        |  echo
    // |                              MTU                              |  packet too big
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                      Message Body ...                         |
    // +-+-+-+-+-
    //  (RFC 4443 §2.1, §3, §4)
    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        public const int Type = 0;
        public const int Code = 1;
        public const int Checksum = 2;
        public const int RestOfHeader = 4;
        public const int Identifier = 4;
        public const int SequenceNumber = 6;
        public const int Mtu = 4;
        public const int Data = 8;
    }

    private readonly Span<byte> _message;

    private IcmpV6Packet(Span<byte> message) => _message = message;

    /// <summary>Checks that the 8-byte header fits; never throws.</summary>
    /// <param name="buffer">The upper-layer payload: exactly the message (<see cref="Ipv6Packet.UpperLayerPayload"/>).</param>
    public static bool TryParse(Span<byte> buffer, out IcmpV6Packet packet)
    {
        packet = buffer.Length >= HeaderLength ? new IcmpV6Packet(buffer) : default;
        return buffer.Length >= HeaderLength;
    }

    /// <summary>Wraps a message this program just built; use <see cref="TryParse"/> for anything received.</summary>
    public static IcmpV6Packet CreateUnchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The message bytes.</summary>
    public Span<byte> Bytes => _message;

    public IcmpV6Type Type
    {
        get => (IcmpV6Type)_message[Field.Type];
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

    /// <summary>Identifier of an echo request or reply (RFC 4443 §4.1).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[Field.Identifier..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[Field.Identifier..], value);
    }

    /// <summary>Sequence Number of an echo request or reply (RFC 4443 §4.1).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[Field.SequenceNumber..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[Field.SequenceNumber..], value);
    }

    /// <summary>The MTU of a Packet Too Big message (RFC 4443 §3.2).</summary>
    public uint Mtu
    {
        get => RestOfHeader;
        set => RestOfHeader = value;
    }

    /// <summary>Everything after the 8-byte header: echo data, or as much of the invoking packet as fits (RFC 4443 §3).</summary>
    public Span<byte> Data => _message[HeaderLength..];

    /// <summary>True when pseudo-header and message sum to zero with the stored checksum (RFC 4443 §2.3).</summary>
    /// <param name="pseudoHeaderSum">From <see cref="Ipv6Packet.PseudoHeaderSum"/> or <see cref="PseudoHeader.SumV6"/> with next header 58.</param>
    public bool IsChecksumValid(uint pseudoHeaderSum) => Wire.Checksum.Fold(Wire.Checksum.Sum(_message, pseudoHeaderSum)) == 0;

    /// <summary>The checksum this message should carry, computed with its Checksum field taken as zero.</summary>
    public ushort ComputeChecksum(uint pseudoHeaderSum) =>
        Wire.Checksum.Fold(Wire.Checksum.Sum(_message[(Field.Checksum + 2)..], Wire.Checksum.Sum(_message[..Field.Checksum], pseudoHeaderSum)));

    /// <summary>Writes <see cref="ComputeChecksum"/> into the Checksum field.</summary>
    public void UpdateChecksum(uint pseudoHeaderSum) => Checksum = ComputeChecksum(pseudoHeaderSum);

    /// <summary>
    /// Changes Type and Code and adjusts the checksum incrementally (RFC 1624 §3), e.g. an echo
    /// request into an echo reply; the pseudo-header part is unaffected.
    /// </summary>
    public void SetTypeAndCode(IcmpV6Type type, byte code)
    {
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_message);
        ushort newWord = (ushort)(((byte)type << 8) | code);
        BinaryPrimitives.WriteUInt16BigEndian(_message, newWord);
        Checksum = IncrementalChecksum.Update(Checksum, oldWord, newWord);
    }

    /// <summary>Reads the header into its representation.</summary>
    public IcmpV6Header ToHeader() => new() { Type = Type, Code = Code, RestOfHeader = RestOfHeader };
}

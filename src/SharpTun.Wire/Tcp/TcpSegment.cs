using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// A view over a TCP segment (RFC 9293 §3.1), the payload of an IP packet, in a caller's buffer;
/// getters read and setters write the bytes in place.
/// </summary>
/// <remarks>
/// Setters do not update the checksum: call <see cref="UpdateChecksum"/> with the pseudo-header sum
/// after a set of changes, or adjust it with <see cref="IncrementalChecksum"/>.
/// </remarks>
public readonly ref struct TcpSegment
{
    /// <summary>Length of a header without options (Data Offset 5).</summary>
    public const int MinimumHeaderLength = 20;

    /// <summary>Length of a header with the most options (Data Offset 15).</summary>
    public const int MaximumHeaderLength = 60;

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |          Source Port          |       Destination Port        |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                        Sequence Number                        |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                    Acknowledgment Number                      |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |  Data |       |C|E|U|A|P|R|S|F|                               |
    // | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
    // |       |       |R|E|G|K|H|T|N|N|                               |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |           Checksum            |         Urgent Pointer        |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                           [Options]                           |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  (RFC 9293 §3.1)
    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        public const int SourcePort = 0;
        public const int DestinationPort = 2;
        public const int SequenceNumber = 4;
        public const int AcknowledgmentNumber = 8;
        public const int DataOffset = 12;
        public const int Flags = 13;
        public const int WindowSize = 14;
        public const int Checksum = 16;
        public const int UrgentPointer = 18;
        public const int Options = 20;
    }

    private readonly Span<byte> _segment;

    private TcpSegment(Span<byte> segment) => _segment = segment;

    /// <summary>
    /// Checks that the fixed header fits and that Data Offset is at least 5 and within the segment;
    /// never throws. Options are checked by <see cref="TryReadOptions"/>, the checksum by
    /// <see cref="IsChecksumValid"/>.
    /// </summary>
    /// <param name="buffer">The IP payload: exactly the segment.</param>
    public static bool TryParse(Span<byte> buffer, out TcpSegment segment)
    {
        segment = default;
        if (buffer.Length < MinimumHeaderLength)
            return false;
        int headerLength = (buffer[Field.DataOffset] >> 4) * 4;
        if (headerLength < MinimumHeaderLength || headerLength > buffer.Length)
            return false;
        segment = new TcpSegment(buffer);
        return true;
    }

    /// <summary>Wraps a segment this program just built; use <see cref="TryParse"/> for anything received.</summary>
    public static TcpSegment CreateUnchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The segment bytes, header and payload.</summary>
    public Span<byte> Bytes => _segment;

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment, value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[Field.DestinationPort..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[Field.DestinationPort..], value);
    }

    public uint SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_segment[Field.SequenceNumber..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_segment[Field.SequenceNumber..], value);
    }

    public uint AcknowledgmentNumber
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_segment[Field.AcknowledgmentNumber..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_segment[Field.AcknowledgmentNumber..], value);
    }

    /// <summary>The header length in bytes (Data Offset × 4).</summary>
    public int HeaderLength => (_segment[Field.DataOffset] >> 4) * 4;

    /// <summary>The eight control bits CWR through FIN.</summary>
    public TcpFlags Flags
    {
        get => (TcpFlags)_segment[Field.Flags];
        set => _segment[Field.Flags] = (byte)value;
    }

    /// <summary>Window, unscaled as on the wire.</summary>
    public ushort WindowSize
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[Field.WindowSize..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[Field.WindowSize..], value);
    }

    /// <summary>The stored Checksum, in host order of the big-endian word.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[Field.Checksum..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[Field.Checksum..], value);
    }

    public ushort UrgentPointer
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[Field.UrgentPointer..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[Field.UrgentPointer..], value);
    }

    /// <summary>The options area, between the fixed header and Data Offset.</summary>
    public Span<byte> OptionBytes => _segment[Field.Options..HeaderLength];

    /// <summary>An allocation-free walk over the options.</summary>
    public TcpOptionReader Options => new(OptionBytes);

    /// <summary>The data after the header.</summary>
    public Span<byte> Payload => _segment[HeaderLength..];

    /// <summary>
    /// Reads MSS, Window Scale, SACK Permitted and Timestamps; false when an option is malformed
    /// (the options before it are still in <paramref name="options"/>).
    /// </summary>
    public bool TryReadOptions(out TcpOptionSet options)
    {
        options = default;
        var reader = Options;
        while (reader.MoveNext())
        {
            var option = reader.Current;
            options = option.Kind switch
            {
                TcpOptionKind.MaximumSegmentSize => options with { MaximumSegmentSize = option.MaximumSegmentSize },
                TcpOptionKind.WindowScale => options with { WindowScale = option.WindowScale },
                TcpOptionKind.SackPermitted => options with { SackPermitted = true },
                TcpOptionKind.Timestamps => options with { Timestamps = (option.TimestampValue, option.TimestampEchoReply) },
                TcpOptionKind.Sack => options with { SackOptionCount = options.SackOptionCount + 1 },
                _ => options,
            };
        }
        return !reader.IsMalformed;
    }

    /// <summary>
    /// The checksum this segment should carry, computed with its Checksum field taken as zero.
    /// </summary>
    /// <param name="pseudoHeaderSum">From <see cref="Ipv4Packet.PseudoHeaderSum"/>, <see cref="Ipv6Packet.PseudoHeaderSum"/> or <see cref="PseudoHeader"/>.</param>
    public ushort ComputeChecksum(uint pseudoHeaderSum) =>
        Wire.Checksum.Fold(Wire.Checksum.Sum(_segment[(Field.Checksum + 2)..], Wire.Checksum.Sum(_segment[..Field.Checksum], pseudoHeaderSum)));

    /// <summary>Writes <see cref="ComputeChecksum"/> into the Checksum field.</summary>
    public void UpdateChecksum(uint pseudoHeaderSum) => Checksum = ComputeChecksum(pseudoHeaderSum);

    /// <summary>True when pseudo-header, header and data sum to zero with the stored checksum (RFC 9293 §3.1).</summary>
    public bool IsChecksumValid(uint pseudoHeaderSum) => Wire.Checksum.Fold(Wire.Checksum.Sum(_segment, pseudoHeaderSum)) == 0;

    /// <summary>Reads the fixed header into its representation (options are not included).</summary>
    public TcpHeader ToHeader() => new()
    {
        SourcePort = SourcePort,
        DestinationPort = DestinationPort,
        SequenceNumber = SequenceNumber,
        AcknowledgmentNumber = AcknowledgmentNumber,
        Flags = Flags,
        WindowSize = WindowSize,
        UrgentPointer = UrgentPointer,
    };
}

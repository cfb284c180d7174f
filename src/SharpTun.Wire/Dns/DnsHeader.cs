using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>The fixed 12-byte header of a DNS message (RFC 1035 §4.1.1).</summary>
public readonly record struct DnsHeader
{
    /// <summary>Length of the header.</summary>
    public const int Length = 12;

    //                                 1  1  1  1  1  1
    //   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
    // +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
    // |                      ID                       |
    // +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
    // |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
    // +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
    // |                    QDCOUNT                    |
    // |                    ANCOUNT                    |
    // |                    NSCOUNT                    |
    // |                    ARCOUNT                    |
    // +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
    //  (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2)
    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        public const int Id = 0;
        public const int Flags = 2;
        public const int QuestionCount = 4;
        public const int AnswerCount = 6;
        public const int AuthorityCount = 8;
        public const int AdditionalCount = 10;
    }

    private const int OpcodeShift = 11;
    private const int OpcodeMask = 0xF;
    private const int ResponseCodeMask = 0xF;
    private const ushort FlagBits = 0x87B0;

    public ushort Id { get; init; }

    /// <summary>QR, AA, TC, RD, RA, AD and CD.</summary>
    public DnsFlags Flags { get; init; }

    public DnsOpcode Opcode { get; init; }

    /// <summary>The header's 4-bit RCODE; with EDNS the full code also needs <see cref="DnsOptRecord.ExtendedResponseCode"/>.</summary>
    public DnsResponseCode ResponseCode { get; init; }

    public ushort QuestionCount { get; init; }

    public ushort AnswerCount { get; init; }

    public ushort AuthorityCount { get; init; }

    public ushort AdditionalCount { get; init; }

    /// <summary>Reads the header from the first 12 bytes of <paramref name="message"/>, which the caller has checked are there.</summary>
    internal static DnsHeader Read(ReadOnlySpan<byte> message)
    {
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[Field.Flags..]);
        return new DnsHeader
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(message),
            Flags = (DnsFlags)(flags & FlagBits),
            Opcode = (DnsOpcode)((flags >> OpcodeShift) & OpcodeMask),
            ResponseCode = (DnsResponseCode)(flags & ResponseCodeMask),
            QuestionCount = BinaryPrimitives.ReadUInt16BigEndian(message[Field.QuestionCount..]),
            AnswerCount = BinaryPrimitives.ReadUInt16BigEndian(message[Field.AnswerCount..]),
            AuthorityCount = BinaryPrimitives.ReadUInt16BigEndian(message[Field.AuthorityCount..]),
            AdditionalCount = BinaryPrimitives.ReadUInt16BigEndian(message[Field.AdditionalCount..]),
        };
    }

    /// <summary>The header's second word for these flags, opcode and the low 4 bits of a response code.</summary>
    internal static ushort EncodeFlags(DnsFlags flags, DnsOpcode opcode, DnsResponseCode responseCode) =>
        (ushort)(((ushort)flags & FlagBits) | (((int)opcode & OpcodeMask) << OpcodeShift) | ((int)responseCode & ResponseCodeMask));
}

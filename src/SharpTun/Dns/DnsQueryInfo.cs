using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Dns;

/// <summary>
/// What the cache and the resolver read from a client's query: its question, as a key that
/// identifies the answer, and the header and EDNS fields an answer is shaped by.
/// </summary>
/// <remarks>
/// The key is the question name in wire form, ASCII-lowercased (RFC 4343), then QTYPE, QCLASS and
/// one byte of flags (DO, CD): an answer fetched with DNSSEC records or without checking is not
/// handed to a query that asked otherwise.
/// </remarks>
internal readonly struct DnsQueryInfo
{
    /// <summary>Longest key: a 255-byte name, QTYPE, QCLASS, the flags byte.</summary>
    public const int MaximumKeyLength = DnsName.MaximumLength + 5;

    /// <summary>Offset of the question name: right after the header, where a query's only question sits.</summary>
    public const int QuestionNameOffset = DnsHeader.Length;

    private const byte DnssecOkKeyBit = 1, CheckingDisabledKeyBit = 2;

    public ushort Id { get; init; }

    public DnsRecordType Type { get; init; }

    public DnsClass Class { get; init; }

    /// <summary>Wire length of the question name.</summary>
    public int NameLength { get; init; }

    /// <summary>True when the question name is written in place at offset 12 (no compression pointer), so its spelling can be copied.</summary>
    public bool NameInPlace { get; init; }

    public bool RecursionDesired { get; init; }

    public bool CheckingDisabled { get; init; }

    /// <summary>The query carries an OPT record (RFC 6891), so the answer may carry one too.</summary>
    public bool HasOpt { get; init; }

    public bool DnssecOk { get; init; }

    /// <summary>
    /// Reads <paramref name="query"/> and writes its key to <paramref name="key"/> (at least
    /// <see cref="MaximumKeyLength"/> bytes). Returns <see cref="DnsResponseCode.NoError"/>, or the
    /// code to answer with: FORMERR for a message that is not a query with one readable question,
    /// NOTIMP for an opcode other than QUERY. Never throws for any bytes.
    /// </summary>
    public static DnsResponseCode TryRead(ReadOnlySpan<byte> query, Span<byte> key, out DnsQueryInfo info, out int keyLength)
    {
        info = default;
        keyLength = 0;
        if (!DnsMessageReader.TryParse(query, out var reader, out _))
            return DnsResponseCode.FormatError;
        var header = reader.Header;
        if ((header.Flags & DnsFlags.Response) != 0)
            return DnsResponseCode.FormatError;
        if (header.Opcode != DnsOpcode.Query)
            return DnsResponseCode.NotImplemented;
        if (header.QuestionCount != 1)
            return DnsResponseCode.FormatError;
        if (!reader.TryReadQuestion(out var question))
            return DnsResponseCode.FormatError;
        int nameLength = question.Name.CopyTo(key);
        for (int i = 0; i < nameLength; i++)
        {
            byte b = key[i];
            if ((uint)(b - 'A') <= 'Z' - 'A')
                key[i] = (byte)(b | 0x20);
        }
        bool inPlace = DnsName.TryRead(query, QuestionNameOffset, out _, out int end) == DnsError.None && end == QuestionNameOffset + nameLength;

        bool hasOpt = false, dnssecOk = false;
        while (reader.TryReadRecord(out var record))
        {
            if (record.Type == DnsRecordType.Opt)
            {
                hasOpt = true;
                dnssecOk = record.Opt.DnssecOk;
            }
        }
        if (reader.Error != DnsError.None)
            return DnsResponseCode.FormatError;

        bool checkingDisabled = (header.Flags & DnsFlags.CheckingDisabled) != 0;
        BinaryPrimitives.WriteUInt16BigEndian(key[nameLength..], (ushort)question.Type);
        BinaryPrimitives.WriteUInt16BigEndian(key[(nameLength + 2)..], (ushort)question.Class);
        key[nameLength + 4] = (byte)((dnssecOk ? DnssecOkKeyBit : 0) | (checkingDisabled ? CheckingDisabledKeyBit : 0));
        keyLength = nameLength + 5;
        info = new DnsQueryInfo
        {
            Id = header.Id,
            Type = question.Type,
            Class = question.Class,
            NameLength = nameLength,
            NameInPlace = inPlace,
            RecursionDesired = (header.Flags & DnsFlags.RecursionDesired) != 0,
            CheckingDisabled = checkingDisabled,
            HasOpt = hasOpt,
            DnssecOk = dnssecOk,
        };
        return DnsResponseCode.NoError;
    }
}

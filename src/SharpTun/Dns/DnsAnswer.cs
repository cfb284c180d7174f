using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Dns;

/// <summary>
/// An upstream's answer, read once and kept with what handing out copies needs: where each
/// record's TTL sits (to count down time spent in the cache), where a trailing OPT record starts
/// (to drop it for a client that sent none, RFC 6891 §7), and how long it may be cached. Immutable.
/// </summary>
internal sealed class DnsAnswer
{
    /// <summary>SOA RDATA ends with SERIAL, REFRESH, RETRY, EXPIRE and MINIMUM, 4 bytes each (RFC 1035 §3.3.13).</summary>
    private const int SoaMinimumFromEnd = 4;

    /// <summary>The smallest SOA RDATA: two root names and the five numbers.</summary>
    private const int MinimumSoaDataLength = 2 + 20;

    /// <summary>Bytes from the start of a record's TTL to the start of its RDATA: TTL and RDLENGTH.</summary>
    private const int TtlToDataLength = 6;

    private DnsAnswer(byte[] message, int optOffset, ushort[] ttlOffsets, DnsResponseCode responseCode, bool truncated, uint timeToLive, bool hasSoa, int answerCount, bool questionInPlace)
    {
        Message = message;
        OptOffset = optOffset;
        TtlOffsets = ttlOffsets;
        ResponseCode = responseCode;
        Truncated = truncated;
        TimeToLive = timeToLive;
        HasSoa = hasSoa;
        AnswerCount = answerCount;
        QuestionInPlace = questionInPlace;
    }

    /// <summary>The whole message as the upstream sent it (its ID is whatever the upstream returned).</summary>
    public byte[] Message { get; }

    /// <summary>Where the OPT record starts when it is the message's last record, else -1.</summary>
    public int OptOffset { get; }

    /// <summary>Offsets of the TTL field of every record but OPT.</summary>
    public ushort[] TtlOffsets { get; }

    /// <summary>The header's RCODE.</summary>
    public DnsResponseCode ResponseCode { get; }

    /// <summary>TC was set.</summary>
    public bool Truncated { get; }

    /// <summary>
    /// The smallest TTL of the records (RFC 2181 §8: values with the top bit set count as 0), an SOA
    /// counting as the smaller of its TTL and its MINIMUM (RFC 2308 §5); <see cref="uint.MaxValue"/> when there are no records.
    /// </summary>
    public uint TimeToLive { get; }

    /// <summary>The authority section holds an SOA record, which a negative answer needs to be cached (RFC 2308 §5).</summary>
    public bool HasSoa { get; }

    public int AnswerCount { get; }

    /// <summary>The question name is written in place at offset 12, so a client's spelling of it can be copied over it.</summary>
    public bool QuestionInPlace { get; }

    /// <summary>NXDOMAIN, or NOERROR with no answer records (NODATA, RFC 2308 §2.2).</summary>
    public bool IsNegative => ResponseCode == DnsResponseCode.NameError || (ResponseCode == DnsResponseCode.NoError && AnswerCount == 0);

    /// <summary>Reads <paramref name="message"/> (kept, not copied); null when it is not a well-formed response.</summary>
    public static DnsAnswer? TryCreate(byte[] message)
    {
        if (!DnsMessageReader.TryParse(message, out var reader, out _) || (reader.Header.Flags & DnsFlags.Response) == 0)
            return null;
        var header = reader.Header;
        bool questionInPlace = true;
        while (reader.Section == DnsSection.Question)
        {
            int start = reader.Position;
            if (!reader.TryReadQuestion(out var question))
                return null;
            if (start == DnsQueryInfo.QuestionNameOffset)
                questionInPlace = DnsName.TryRead(message, start, out _, out int end) == DnsError.None && end == start + question.Name.WireLength;
        }
        int recordCount = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        var ttlOffsets = recordCount == 0 ? [] : new ushort[recordCount];
        int ttlCount = 0;
        int optOffset = -1;
        uint timeToLive = uint.MaxValue;
        bool hasSoa = false;
        while (true)
        {
            int start = reader.Position;
            if (!reader.TryReadRecord(out var record))
                break;
            if (record.Type == DnsRecordType.Opt)
            {
                optOffset = start;
                continue;
            }
            optOffset = -1;
            int ttlOffset = reader.Position - record.Data.Length - TtlToDataLength;
            if (ttlOffset > ushort.MaxValue)
                return null;
            ttlOffsets[ttlCount++] = (ushort)ttlOffset;
            uint ttl = record.TimeToLive > int.MaxValue ? 0 : record.TimeToLive;
            if (record.Type == DnsRecordType.Soa && record.Section == DnsSection.Authority && record.Data.Length >= MinimumSoaDataLength)
            {
                hasSoa = true;
                ttl = Math.Min(ttl, BinaryPrimitives.ReadUInt32BigEndian(record.Data[^SoaMinimumFromEnd..]));
            }
            timeToLive = Math.Min(timeToLive, ttl);
        }
        if (reader.Error != DnsError.None)
            return null;
        if (optOffset >= 0 && reader.Position != message.Length)
            optOffset = -1; // bytes after the OPT record: it is not last, leave it
        if (ttlCount != ttlOffsets.Length)
            Array.Resize(ref ttlOffsets, ttlCount);
        return new DnsAnswer(message, optOffset, ttlOffsets, header.ResponseCode, (header.Flags & DnsFlags.Truncated) != 0,
            timeToLive, hasSoa, header.AnswerCount, questionInPlace && header.QuestionCount > 0);
    }

    /// <summary>
    /// Writes a copy for a client's <paramref name="query"/>: the client's ID and spelling of the
    /// name, TTLs lowered by <paramref name="elapsedSeconds"/>, a trailing OPT dropped when the
    /// query had none. False, writing nothing useful, when <paramref name="destination"/> is too short.
    /// </summary>
    public bool TryWriteFor(ReadOnlySpan<byte> query, in DnsQueryInfo info, uint elapsedSeconds, Span<byte> destination, out int length)
    {
        bool dropOpt = !info.HasOpt && OptOffset >= 0;
        length = dropOpt ? OptOffset : Message.Length;
        if (length > destination.Length)
            return false;
        var source = Message.AsSpan(0, length);
        source.CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination, info.Id);
        if (dropOpt)
        {
            var count = destination[DnsHeader.Field.AdditionalCount..];
            BinaryPrimitives.WriteUInt16BigEndian(count, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(count) - 1));
        }
        if (info.NameInPlace && QuestionInPlace)
            query.Slice(DnsQueryInfo.QuestionNameOffset, info.NameLength).CopyTo(destination[DnsQueryInfo.QuestionNameOffset..]);
        if (elapsedSeconds > 0)
        {
            foreach (ushort offset in TtlOffsets)
            {
                if (offset + 4 > length)
                    continue;
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(source[offset..]);
                ttl = ttl > int.MaxValue || ttl <= elapsedSeconds ? 0 : ttl - elapsedSeconds;
                BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], ttl);
            }
        }
        return true;
    }
}

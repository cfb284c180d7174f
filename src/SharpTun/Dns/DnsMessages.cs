using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Dns;

/// <summary>Small messages the resolver and the upstreams build and check: upstream queries, error answers, question matching.</summary>
internal static class DnsMessages
{
    /// <summary>
    /// The EDNS payload size SharpTun asks upstreams to respect: 1232 bytes, which fits an IPv6
    /// path with the minimum MTU and avoids fragmentation (DNS Flag Day 2020).
    /// </summary>
    public const ushort UpstreamUdpPayloadSize = 1232;

    /// <summary>Reads the ID of a message of at least 2 bytes.</summary>
    public static ushort ReadId(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    /// <summary>Writes the ID of a message of at least 2 bytes.</summary>
    public static void WriteId(Span<byte> message, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(message, id);

    /// <summary>
    /// True when <paramref name="response"/> is a response whose question equals the question of
    /// <paramref name="query"/> (name ignoring ASCII case, type, class): RFC 5452 §9.1 has a
    /// resolver accept an answer only for the question it asked. The IDs are not compared here.
    /// </summary>
    public static bool AnswersQuestion(ReadOnlySpan<byte> query, ReadOnlySpan<byte> response)
    {
        if (!DnsMessageReader.TryParse(query, out var queryReader, out _) || !DnsMessageReader.TryParse(response, out var responseReader, out _))
            return false;
        if ((responseReader.Header.Flags & DnsFlags.Response) == 0 || responseReader.Header.QuestionCount != queryReader.Header.QuestionCount)
            return false;
        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        while (queryReader.TryReadQuestion(out var asked))
        {
            if (!responseReader.TryReadQuestion(out var answered))
                return false;
            int length = asked.Name.CopyTo(name);
            if (answered.Type != asked.Type || answered.Class != asked.Class || !answered.Name.Matches(name[..length]))
                return false;
        }
        return queryReader.Error == DnsError.None;
    }

    /// <summary>
    /// Writes the query SharpTun sends upstream for a client's question: ID 0 (each upstream sets
    /// its own), RD, the client's CD, the question as the client spelled it, and an OPT record with
    /// <see cref="UpstreamUdpPayloadSize"/> and the client's DO bit. Client EDNS options (cookies,
    /// client subnet) are not passed on: they belong to the client's hop. Returns the length.
    /// </summary>
    public static int WriteUpstreamQuery(ReadOnlySpan<byte> query, in DnsQueryInfo info, Span<byte> destination)
    {
        var flags = DnsFlags.RecursionDesired | (info.CheckingDisabled ? DnsFlags.CheckingDisabled : 0);
        var writer = new DnsMessageWriter(destination, 0, flags);
        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        int nameLength = CopyQuestionName(query, name);
        if (!writer.TryWriteQuestion(name[..nameLength], info.Type, info.Class) || !writer.TryWriteOpt(UpstreamUdpPayloadSize, info.DnssecOk))
            throw new ArgumentException("the destination cannot hold the upstream query", nameof(destination));
        return writer.Length;
    }

    /// <summary>
    /// Writes an answer with <paramref name="responseCode"/> and no records to <paramref name="query"/>:
    /// its ID, its RD, RA set, its question echoed when it could be read, and an OPT record when it
    /// sent one. With <paramref name="truncated"/> TC is set, which sends the client to TCP (RFC 1035 §4.2.1).
    /// Returns the length, 0 when the query is too short to answer (under 12 bytes) or the destination too small.
    /// </summary>
    public static int WriteEmptyAnswer(ReadOnlySpan<byte> query, DnsResponseCode responseCode, Span<byte> destination, bool truncated = false)
    {
        if (query.Length < DnsHeader.Length || destination.Length < DnsHeader.Length)
            return 0;
        var queryFlags = (DnsFlags)BinaryPrimitives.ReadUInt16BigEndian(query[DnsHeader.Field.Flags..]);
        var flags = DnsFlags.Response | DnsFlags.RecursionAvailable | (queryFlags & (DnsFlags.RecursionDesired | DnsFlags.CheckingDisabled))
            | (truncated ? DnsFlags.Truncated : 0);
        var opcode = (DnsOpcode)((BinaryPrimitives.ReadUInt16BigEndian(query[DnsHeader.Field.Flags..]) >> 11) & 0xF);
        var writer = new DnsMessageWriter(destination, ReadId(query), flags, opcode, responseCode);
        if (!DnsMessageReader.TryParse(query, out var reader, out _) || reader.Header.QuestionCount != 1 || !reader.TryReadQuestion(out var question))
            return writer.Length;
        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        int nameLength = question.Name.CopyTo(name);
        if (!writer.TryWriteQuestion(name[..nameLength], question.Type, question.Class))
            return writer.Length;
        bool hasOpt = false;
        while (reader.TryReadRecord(out var record))
            hasOpt |= record.Type == DnsRecordType.Opt;
        if (hasOpt)
            writer.TryWriteOpt(UpstreamUdpPayloadSize, dnssecOk: false);
        return writer.Length;
    }

    /// <summary>Writes the uncompressed name of the query's first question (which <see cref="DnsQueryInfo.TryRead"/> has checked is there); returns its length.</summary>
    private static int CopyQuestionName(ReadOnlySpan<byte> query, Span<byte> name)
    {
        if (!DnsMessageReader.TryParse(query, out var reader, out _) || !reader.TryReadQuestion(out var question))
            throw new ArgumentException("the query has no readable question", nameof(query));
        return question.Name.CopyTo(name);
    }
}

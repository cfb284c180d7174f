using System.Buffers.Binary;
using System.Net;
using SharpTun.Wire;

namespace SharpTun.Tests.Dns;

/// <summary>Queries and answers built with the wire codec, and readers for what tests check in answers.</summary>
internal static class DnsTestMessages
{
    /// <summary>Writes the records of an answer after its question.</summary>
    public delegate void RecordWriter(ref DnsMessageWriter writer, byte[] name);

    public static byte[] Name(string dotted)
    {
        var name = new byte[DnsName.MaximumLength];
        Assert.Equal(DnsError.None, DnsNameEncoding.TryEncode(dotted, name, out int length));
        return name[..length];
    }

    /// <summary>A recursive query; with <paramref name="payloadSize"/> it carries an OPT record.</summary>
    public static byte[] Query(string name, DnsRecordType type = DnsRecordType.A, ushort id = 0x1234, ushort? payloadSize = null, bool dnssecOk = false, bool checkingDisabled = false)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, id, DnsFlags.RecursionDesired | (checkingDisabled ? DnsFlags.CheckingDisabled : 0));
        Assert.True(writer.TryWriteQuestion(Name(name), type));
        if (payloadSize is { } size)
            Assert.True(writer.TryWriteOpt(size, dnssecOk));
        return buffer[..writer.Length];
    }

    /// <summary>An answer to <paramref name="query"/> (same ID and question) with <paramref name="records"/> written by the caller.</summary>
    public static byte[] Answer(ReadOnlySpan<byte> query, DnsResponseCode code, RecordWriter? records = null, bool withOpt = false, bool truncated = false)
    {
        Assert.True(DnsMessageReader.TryParse(query, out var reader, out _));
        Assert.True(reader.TryReadQuestion(out var question));
        var name = new byte[question.Name.WireLength];
        question.Name.CopyTo(name);
        var buffer = new byte[65535];
        var flags = DnsFlags.Response | DnsFlags.RecursionDesired | DnsFlags.RecursionAvailable | (truncated ? DnsFlags.Truncated : 0);
        var writer = new DnsMessageWriter(buffer, reader.Header.Id, flags, DnsOpcode.Query, code);
        Assert.True(writer.TryWriteQuestion(name, question.Type, question.Class));
        records?.Invoke(ref writer, name);
        if (withOpt)
            Assert.True(writer.TryWriteOpt(1232, dnssecOk: false));
        return buffer[..writer.Length];
    }

    /// <summary>An answer with one A record per address, all with <paramref name="ttl"/>.</summary>
    public static byte[] AnswerA(ReadOnlySpan<byte> query, uint ttl, params string[] addresses) =>
        Answer(query, DnsResponseCode.NoError, (ref DnsMessageWriter writer, byte[] name) =>
        {
            foreach (var address in addresses)
                Assert.True(writer.TryWriteA(name, ttl, BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes())));
        });

    /// <summary>NXDOMAIN or NODATA with an SOA for the zone "test." in the authority section.</summary>
    public static byte[] Negative(ReadOnlySpan<byte> query, DnsResponseCode code, uint soaTtl, uint soaMinimum) =>
        Answer(query, code, (ref DnsMessageWriter writer, byte[] _) =>
        {
            writer.BeginSection(DnsSection.Authority);
            Assert.True(writer.TryWriteRecord(Name("test"), DnsRecordType.Soa, DnsClass.Internet, soaTtl, SoaData(soaMinimum)));
        });

    public static byte[] SoaData(uint minimum)
    {
        var data = new List<byte>();
        data.AddRange(Name("ns.test"));
        data.AddRange(Name("hostmaster.test"));
        foreach (uint value in (uint[])[2026010101, 7200, 900, 1209600, minimum])
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            data.AddRange(bytes);
        }
        return [.. data];
    }

    public static ushort Id(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static DnsHeader Header(ReadOnlySpan<byte> message)
    {
        Assert.True(DnsMessageReader.TryParse(message, out var reader, out var error), $"the message does not parse: {error}");
        return reader.Header;
    }

    /// <summary>The question name as the message spells it.</summary>
    public static string QuestionName(ReadOnlySpan<byte> message)
    {
        Assert.True(DnsMessageReader.TryParse(message, out var reader, out _));
        Assert.True(reader.TryReadQuestion(out var question));
        var text = new char[1024];
        Assert.True(question.Name.TryFormat(text, out int written));
        return new string(text, 0, written);
    }

    /// <summary>Every record as (type, TTL, text): addresses for A/AAAA, joined strings for TXT, the section name otherwise.</summary>
    public static List<(DnsRecordType Type, uint Ttl, string Data)> Records(ReadOnlySpan<byte> message)
    {
        Assert.True(DnsMessageReader.TryParse(message, out var reader, out _));
        var records = new List<(DnsRecordType, uint, string)>();
        while (reader.TryReadRecord(out var record))
        {
            string data = record.Type switch
            {
                DnsRecordType.A or DnsRecordType.Aaaa => new IPAddress(record.Address).ToString(),
                DnsRecordType.Txt => TxtText(record),
                _ => record.Section.ToString(),
            };
            records.Add((record.Type, record.TimeToLive, data));
        }
        Assert.Equal(DnsError.None, reader.Error);
        return records;
    }

    private static string TxtText(DnsResourceRecord record)
    {
        var text = new System.Text.StringBuilder();
        foreach (var s in record.TextStrings)
            text.Append(System.Text.Encoding.ASCII.GetString(s));
        return text.ToString();
    }
}

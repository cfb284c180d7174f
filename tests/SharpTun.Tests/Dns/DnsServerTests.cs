using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Dns;
using SharpTun.Stack.Nat;
using SharpTun.Wire;

namespace SharpTun.Tests.Dns;

public sealed class DnsServerTests
{
    private readonly FakeIpPool _pool = new(FakeIpPool.DefaultIPv4Range, FakeIpPool.DefaultIPv6Range);
    private readonly byte[] _response = new byte[DnsServer.MaximumUdpPayload];

    private DnsServer Server(IDnsForwarder? forwarder = null, bool fakeIpv6 = true, params string[] exclude) =>
        new(_pool, forwarder, new DnsServerOptions { FakeIpv6 = fakeIpv6, Exclude = new DomainPatternSet(exclude) }, NullLogger.Instance);

    private static byte[] Query(string name, DnsRecordType type, ushort id = 0x4242, bool edns = false)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, id, DnsFlags.RecursionDesired);
        Assert.True(writer.TryWriteQuestion(Wire(name), type));
        if (edns)
            Assert.True(writer.TryWriteOpt(4096, dnssecOk: false));
        return writer.Written.ToArray();
    }

    private static byte[] Wire(string name)
    {
        var buffer = new byte[DnsName.MaximumLength];
        Assert.Equal(DnsError.None, DnsNameEncoding.TryEncode(name, buffer, out var length));
        return buffer[..length];
    }

    private static (DnsHeader Header, List<(DnsRecordType Type, uint Ttl, byte[] Data)> Answers) Parse(ReadOnlySpan<byte> message)
    {
        Assert.True(DnsMessageReader.TryParse(message, out var reader, out var error), error.ToString());
        var answers = new List<(DnsRecordType, uint, byte[])>();
        while (reader.TryReadQuestion(out _))
        {
        }
        while (reader.TryReadRecord(out var record))
        {
            if (record.Section == DnsSection.Answer)
                answers.Add((record.Type, record.TimeToLive, record.Data.ToArray()));
        }
        Assert.Equal(DnsError.None, reader.Error);
        return (reader.Header, answers);
    }

    [Fact]
    public void TryAnswer_A_GivesTheSameFakeAddressEachTimeWithTheClientsId()
    {
        var server = Server();
        var length = server.TryAnswer(Query("www.example.org", DnsRecordType.A, id: 7), _response);
        var (header, answers) = Parse(_response.AsSpan(0, length));
        var again = Parse(_response.AsSpan(0, server.TryAnswer(Query("WWW.Example.org.", DnsRecordType.A, id: 8), _response)));

        Assert.Equal(7, header.Id);
        Assert.True(header.Flags.HasFlag(DnsFlags.Response));
        Assert.True(header.Flags.HasFlag(DnsFlags.RecursionDesired));
        var (type, ttl, data) = Assert.Single(answers);
        Assert.Equal(DnsRecordType.A, type);
        Assert.Equal(1u, ttl);
        Assert.True(FakeIpPool.DefaultIPv4Range.Contains(new IPAddress(data)));
        Assert.Equal(data, Assert.Single(again.Answers).Data);
        Assert.True(_pool.TryGetDomain(NatEndpoint.FromIPAddress(new IPAddress(data), 0), out var domain));
        Assert.Equal("www.example.org", domain);
        Assert.Equal(2, server.FakeAnswers);
    }

    [Fact]
    public void TryAnswer_Aaaa_GivesAFakeIpv6AddressOrNoRecordsWithoutIpv6()
    {
        var withIpv6 = Parse(_response.AsSpan(0, Server().TryAnswer(Query("v6.example", DnsRecordType.Aaaa), _response)));
        Assert.True(FakeIpPool.DefaultIPv6Range.Contains(new IPAddress(Assert.Single(withIpv6.Answers).Data)));

        var withoutIpv6 = Parse(_response.AsSpan(0, Server(fakeIpv6: false).TryAnswer(Query("v4only.example", DnsRecordType.Aaaa), _response)));
        Assert.Equal(DnsResponseCode.NoError, withoutIpv6.Header.ResponseCode);
        Assert.Empty(withoutIpv6.Answers);
    }

    [Fact]
    public void TryAnswer_PtrOfAFakeAddress_GivesTheNameBack()
    {
        var server = Server();
        var a = Parse(_response.AsSpan(0, server.TryAnswer(Query("named.example", DnsRecordType.A), _response)));
        var bytes = Assert.Single(a.Answers).Data;
        var reverse = $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}.in-addr.arpa";

        var ptr = Parse(_response.AsSpan(0, server.TryAnswer(Query(reverse, DnsRecordType.Ptr), _response)));

        var (type, _, data) = Assert.Single(ptr.Answers);
        Assert.Equal(DnsRecordType.Ptr, type);
        Assert.Equal(Wire("named.example"), data);
    }

    [Fact]
    public void TryAnswer_PtrOfAnUnusedFakeAddress_IsNxdomain()
    {
        var ptr = Parse(_response.AsSpan(0, Server().TryAnswer(Query("9.9.18.198.in-addr.arpa", DnsRecordType.Ptr), _response)));
        Assert.Equal(DnsResponseCode.NameError, ptr.Header.ResponseCode);
    }

    [Theory]
    [InlineData(DnsRecordType.Https)]
    [InlineData(DnsRecordType.Svcb)]
    public void TryAnswer_ServiceBinding_IsEmptySoNoHintLeadsAroundTheFakeAddress(DnsRecordType type)
    {
        var answer = Parse(_response.AsSpan(0, Server().TryAnswer(Query("example.org", type), _response)));
        Assert.Equal(DnsResponseCode.NoError, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);
    }

    [Theory]
    [InlineData("printer.lan", DnsRecordType.A)]
    [InlineData("example.org", DnsRecordType.Mx)]
    [InlineData("example.org", DnsRecordType.Txt)]
    [InlineData("8.8.8.8.in-addr.arpa", DnsRecordType.Ptr)]
    public void TryAnswer_ExcludedNameOrOtherType_GoesUpstream(string name, DnsRecordType type) =>
        Assert.Equal(DnsServer.NeedsUpstream, Server(null, true, "*.lan").TryAnswer(Query(name, type), _response));

    [Fact]
    public void TryAnswer_WithEdns_AnswersWithAnOptRecord()
    {
        var length = Server().TryAnswer(Query("edns.example", DnsRecordType.A, edns: true), _response);
        Assert.True(DnsMessageReader.TryParse(_response.AsSpan(0, length), out var reader, out _));
        Assert.Equal(1, reader.Header.AdditionalCount);
    }

    [Fact]
    public void TryAnswer_HostileInput_GetsFormerrOrNothing()
    {
        var server = Server();
        Assert.Equal(DnsServer.Ignore, server.TryAnswer(new byte[5], _response)); // shorter than a header
        var response = Query("x.example", DnsRecordType.A);
        response[2] |= 0x80; // QR: a response, not a query
        Assert.Equal(DnsServer.Ignore, server.TryAnswer(response, _response));

        var loop = Query("x.example", DnsRecordType.A);
        loop[12] = 0xC0; // the question's name points at itself
        loop[13] = 12;
        Assert.Equal(DnsResponseCode.FormatError, Parse(_response.AsSpan(0, server.TryAnswer(loop, _response))).Header.ResponseCode);

        var twoQuestions = Query("x.example", DnsRecordType.A);
        BinaryPrimitives.WriteUInt16BigEndian(twoQuestions.AsSpan(4), 2);
        Assert.Equal(DnsResponseCode.FormatError, Parse(_response.AsSpan(0, server.TryAnswer(twoQuestions, _response))).Header.ResponseCode);

        var notify = Query("x.example", DnsRecordType.A);
        notify[2] |= 4 << 3; // opcode NOTIFY
        Assert.Equal(DnsResponseCode.NotImplemented, Parse(_response.AsSpan(0, server.TryAnswer(notify, _response))).Header.ResponseCode);
    }

    [Fact]
    public void TryAnswer_KnownName_AllocatesNothing()
    {
        var server = Server();
        var query = Query("hot.example", DnsRecordType.A);
        server.TryAnswer(query, _response);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            server.TryAnswer(query, _response);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task AnswerAsync_UpstreamAnswer_GetsTheClientsIdBack()
    {
        var forwarder = new ScriptedForwarder(query => Answer(query, records: 1, id: 0x9999));
        var length = await Server(forwarder).AnswerAsync(Query("mx.example", DnsRecordType.Mx, id: 5), _response, overUdp: true, default);
        var answer = Parse(_response.AsSpan(0, length));
        Assert.Equal(5, answer.Header.Id);
        Assert.Single(answer.Answers);
    }

    [Fact]
    public async Task AnswerAsync_UpstreamAnswerTooLongForUdp_IsCutToTheQuestionWithTc()
    {
        var forwarder = new ScriptedForwarder(query => Answer(query, records: 10, id: 1));
        var server = Server(forwarder);
        var udp = await server.AnswerAsync(Query("big.example", DnsRecordType.Txt), _response, overUdp: true, default);
        var tcp = await server.AnswerAsync(Query("big.example", DnsRecordType.Txt), new byte[65535], overUdp: false, default);

        var cut = Parse(_response.AsSpan(0, udp));
        Assert.True(cut.Header.Flags.HasFlag(DnsFlags.Truncated));
        Assert.Empty(cut.Answers);
        Assert.Equal(1, cut.Header.QuestionCount);
        Assert.True(tcp > 512);
    }

    [Fact]
    public async Task AnswerAsync_NoUpstreamAnswer_IsServfail()
    {
        var server = Server(new ScriptedForwarder(_ => []));
        var length = await server.AnswerAsync(Query("down.example", DnsRecordType.Mx), _response, overUdp: true, default);
        Assert.Equal(DnsResponseCode.ServerFailure, Parse(_response.AsSpan(0, length)).Header.ResponseCode);
        Assert.Equal(1, server.Failed);
    }

    [Fact]
    public void TryAnswer_PoolFullOfPinnedNames_IsServfailNotAnOverwrite()
    {
        var pool = new FakeIpPool(IPNetwork.Parse("10.0.0.0/30"), FakeIpPool.DefaultIPv6Range); // 2 usable addresses
        var server = new DnsServer(pool, null, new DnsServerOptions(), NullLogger.Instance);
        foreach (var name in new[] { "a.example", "b.example" })
        {
            Assert.True(pool.TryGetOrAllocate(name, ipv6: false, out var address));
            Assert.True(pool.Pin(address));
        }
        var answer = Parse(_response.AsSpan(0, server.TryAnswer(Query("c.example", DnsRecordType.A), _response)));
        Assert.Equal(DnsResponseCode.ServerFailure, answer.Header.ResponseCode);
    }

    /// <summary>An answer to <paramref name="query"/> with <paramref name="records"/> 200-byte TXT records.</summary>
    private static byte[] Answer(ReadOnlySpan<byte> query, int records, ushort id)
    {
        Assert.True(DnsMessageReader.TryParse(query, out var reader, out _));
        Assert.True(reader.TryReadQuestion(out var question));
        var name = new byte[DnsName.MaximumLength];
        name = name[..question.Name.CopyTo(name)];
        var buffer = new byte[65535];
        var writer = new DnsMessageWriter(buffer, id, DnsFlags.Response | DnsFlags.RecursionAvailable);
        Assert.True(writer.TryWriteQuestion(name, question.Type));
        var text = new byte[200];
        text.AsSpan().Fill((byte)'x');
        for (var i = 0; i < records; i++)
            Assert.True(writer.TryWriteTxt(name, 300, text));
        return writer.Written.ToArray();
    }

    private sealed class ScriptedForwarder(Func<byte[], byte[]> answer) : IDnsForwarder
    {
        public ValueTask<int> ForwardAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
        {
            var bytes = answer(query.ToArray());
            bytes.CopyTo(response);
            return ValueTask.FromResult(bytes.Length);
        }
    }
}

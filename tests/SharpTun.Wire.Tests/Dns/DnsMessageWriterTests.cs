using static SharpTun.Wire.Tests.Dns.DnsTestText;

namespace SharpTun.Wire.Tests.Dns;

public sealed class DnsMessageWriterTests
{
    private const DnsFlags AuthoritativeResponse =
        DnsFlags.Response | DnsFlags.AuthoritativeAnswer | DnsFlags.RecursionDesired | DnsFlags.RecursionAvailable;

    [Fact]
    public void Emit_SameRecordsAsCapturedPtr_MatchesBytes()
    {
        var writer = new DnsMessageWriter(new byte[512], 0x3c4d, AuthoritativeResponse);

        Assert.True(writer.TryWriteQuestion(WireName("10.2.0.192.in-addr.arpa"), DnsRecordType.Ptr));
        Assert.True(writer.TryWritePtr(WireName("10.2.0.192.in-addr.arpa"), 300, WireName("www.example.test")));

        Assert.Equal(DnsCaptured.PtrResponse, writer.Written.ToArray());
    }

    [Fact]
    public void Emit_SameRecordsAsCapturedAaaaWithEdns_MatchesBytes()
    {
        var writer = new DnsMessageWriter(new byte[512], 0x2b3c, AuthoritativeResponse);

        Assert.True(writer.TryWriteQuestion(WireName("www.example.test"), DnsRecordType.Aaaa));
        Assert.True(writer.TryWriteAaaa(WireName("www.example.test"), 300, System.Net.IPAddress.Parse("2001:db8::10").GetAddressBytes()));
        Assert.True(writer.TryWriteOpt(1232, dnssecOk: true));

        Assert.Equal(DnsCaptured.AaaaResponse, writer.Written.ToArray());
    }

    [Fact]
    public void Emit_SameRecordsAsCapturedSvcbAndHttps_MatchBytes()
    {
        var svcb = new DnsMessageWriter(new byte[512], 0x6f70, AuthoritativeResponse);
        Assert.True(svcb.TryWriteQuestion(WireName("_dns.example.test"), DnsRecordType.Svcb));
        Assert.True(svcb.TryWriteServiceBinding(DnsRecordType.Svcb, WireName("_dns.example.test"), 300, 16, WireName("svc.example.test"), Convert.FromHexString("000300020355")));
        var https = new DnsMessageWriter(new byte[512], 0x5e6f, AuthoritativeResponse);
        Assert.True(https.TryWriteQuestion(WireName("www.example.test"), DnsRecordType.Https));
        Assert.True(https.TryWriteServiceBinding(DnsRecordType.Https, WireName("www.example.test"), 300, 1, [0], Convert.FromHexString("000100060268320268330003000220fb00040004c000020a")));
        Assert.True(https.TryWriteOpt(1232, dnssecOk: true));

        Assert.Equal(DnsCaptured.SvcbResponse, svcb.Written.ToArray());
        Assert.Equal(DnsCaptured.HttpsResponse, https.Written.ToArray());
    }

    [Fact]
    public void Emit_LargeTxtIntoUdpSizedBuffer_StopsWhereDnsmasqDidAndSetsTruncated()
    {
        // The captured TCP answer holds all 12 records; a 512-byte UDP answer (RFC 1035 §4.2.1) fits
        // four, and the writer's output then equals dnsmasq's truncated UDP answer byte for byte.
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.LargeTxtTcpResponse, out var full, out _));
        var writer = new DnsMessageWriter(new byte[512], 0x7081, AuthoritativeResponse);
        Assert.True(writer.TryWriteQuestion(WireName("big.example.test"), DnsRecordType.Txt));
        int written = 0;
        while (full.TryReadRecord(out var record))
        {
            int lengthBefore = writer.Length;
            if (!writer.TryWriteRecord(WireName("big.example.test"), record.Type, record.Class, record.TimeToLive, record.Data))
            {
                Assert.Equal(lengthBefore, writer.Length);
                writer.AddFlags(DnsFlags.Truncated);
                break;
            }
            written++;
        }

        Assert.Equal(4, written);
        Assert.Equal(DnsCaptured.LargeTxtTruncatedUdpResponse, writer.Written.ToArray());
    }

    [Fact]
    public void Emit_CnameChain_CompressesOwnersAndTargets()
    {
        var writer = new DnsMessageWriter(new byte[512], 0x1a2b, AuthoritativeResponse);

        Assert.True(writer.TryWriteQuestion(WireName("alias2.example.test"), DnsRecordType.A));
        Assert.True(writer.TryWriteCname(WireName("alias2.example.test"), 300, WireName("alias.example.test")));
        Assert.True(writer.TryWriteCname(WireName("alias.example.test"), 300, WireName("www.example.test")));
        Assert.True(writer.TryWriteA(WireName("www.example.test"), 300, 0xC000020A));

        // dnsmasq wrote the CNAME targets in full; the writer also shares their "example.test".
        int uncompressed = DnsHeader.Length + (21 + 4) + (21 + 10 + 20) + (20 + 10 + 18) + (18 + 10 + 4);
        Assert.True(writer.Length < DnsCaptured.AliasChainResponse.Length);
        Assert.True(writer.Length < uncompressed - 40, $"{writer.Length} bytes, {uncompressed} without compression");
        Assert.Equal(new byte[] { 0xc0, 0x0c }, writer.Written.Slice(DnsHeader.Length + 25, 2).ToArray());
        AssertSameRecords(DnsCaptured.AliasChainResponse, writer.Written);
    }

    [Fact]
    public void Emit_NameDifferingOnlyInCase_ReusesEarlierSpelling()
    {
        var writer = new DnsMessageWriter(new byte[512], 1, DnsFlags.Response);

        Assert.True(writer.TryWriteQuestion(WireName("WwW.Example.TEST"), DnsRecordType.A));
        Assert.True(writer.TryWriteA(WireName("www.example.test"), 60, 0x0A000001));

        Assert.Equal(new byte[] { 0xc0, 0x0c }, writer.Written.Slice(DnsHeader.Length + 22, 2).ToArray());
    }

    [Fact]
    public void Emit_EdnsWithOptionsAndExtendedCode_RoundTrips()
    {
        byte[] cookie = Convert.FromHexString("000a0008" + "0102030405060708");
        var writer = new DnsMessageWriter(new byte[512], 7, DnsFlags.Response);
        Assert.True(writer.TryWriteQuestion(WireName("example.test"), DnsRecordType.A));
        writer.SetResponseCode(DnsResponseCode.BadVersion);
        Assert.True(writer.TryWriteOpt(4096, dnssecOk: false, DnsResponseCode.BadVersion, version: 0, cookie));

        Assert.True(DnsMessageReader.TryParse(writer.Written, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var record));
        var opt = record.Opt;
        Assert.Equal(DnsSection.Additional, record.Section);
        Assert.Equal(4096, opt.UdpPayloadSize);
        Assert.False(opt.DnssecOk);
        Assert.Equal(DnsResponseCode.BadVersion, opt.ExtendedResponseCode(reader.Header.ResponseCode));
        Assert.Equal(cookie, opt.OptionBytes.ToArray());
        var options = opt.Options;
        Assert.True(options.MoveNext());
        Assert.Equal(10, options.Current.Key);
        Assert.Equal(cookie[4..], options.Current.Value.ToArray());
        Assert.False(options.MoveNext());
    }

    [Fact]
    public void Emit_LongTxt_SplitsIntoCharacterStringsOf255()
    {
        var text = new byte[600];
        Array.Fill(text, (byte)'t');
        var writer = new DnsMessageWriter(new byte[1024], 1, DnsFlags.Response);

        Assert.True(writer.TryWriteTxt(WireName("t.example"), 60, text));

        Assert.True(DnsMessageReader.TryParse(writer.Written, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var record));
        var lengths = new List<int>();
        foreach (var part in record.TextStrings)
            lengths.Add(part.Length);
        Assert.Equal([255, 255, 90], lengths);
    }

    [Fact]
    public void TryWrite_NoRoom_WritesNothingAndKeepsCounts()
    {
        // Header 12, question 18, then room for one A record whose owner is a pointer.
        var buffer = new byte[46];
        var writer = new DnsMessageWriter(buffer, 1, DnsFlags.Response);
        Assert.True(writer.TryWriteQuestion(WireName("example.test"), DnsRecordType.A));
        int length = writer.Length;

        Assert.False(writer.TryWriteA(WireName("other.example.test"), 60, 1));
        Assert.False(writer.TryWriteTxt(WireName("example.test"), 60, "text"u8));

        Assert.Equal(length, writer.Length);
        Assert.True(writer.TryWriteA(WireName("example.test"), 60, 1));
        Assert.True(DnsMessageReader.TryParse(writer.Written, out var reader, out _));
        Assert.Equal((1, 1), (reader.Header.QuestionCount, reader.Header.AnswerCount));
        Assert.True(reader.TryReadRecord(out var record));
        Assert.True(record.Name.Matches("example.test"));
    }

    [Fact]
    public void BeginSection_Authority_CountsRecordsThere()
    {
        var writer = new DnsMessageWriter(new byte[512], 1, DnsFlags.Response, responseCode: DnsResponseCode.NameError);
        Assert.True(writer.TryWriteQuestion(WireName("nx.example.test"), DnsRecordType.A));
        writer.BeginSection(DnsSection.Authority);
        Assert.True(writer.TryWriteRecord(WireName("example.test"), DnsRecordType.Soa, DnsClass.Internet, 60, new byte[22]));

        Assert.True(DnsMessageReader.TryParse(writer.Written, out var reader, out _));
        Assert.Equal(new DnsHeader { Id = 1, Flags = DnsFlags.Response, ResponseCode = DnsResponseCode.NameError, QuestionCount = 1, AuthorityCount = 1 }, reader.Header);
        Assert.True(reader.TryReadRecord(out var record));
        Assert.Equal(DnsSection.Authority, record.Section);
    }

    [Fact]
    public void ProgrammingErrors_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsMessageWriter(new byte[11], 1, DnsFlags.None));
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new DnsMessageWriter(new byte[512], 1, DnsFlags.None);
            writer.TryWriteA([0], 1, 1);
            writer.TryWriteQuestion([0], DnsRecordType.A);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new DnsMessageWriter(new byte[512], 1, DnsFlags.None);
            writer.BeginSection(DnsSection.Additional);
            writer.BeginSection(DnsSection.Answer);
        });
        Assert.Throws<ArgumentException>(() => new DnsMessageWriter(new byte[512], 1, DnsFlags.None).TryWriteA([3, (byte)'a'], 1, 1));
        Assert.Throws<ArgumentException>(() => new DnsMessageWriter(new byte[512], 1, DnsFlags.None).TryWriteAaaa([0], 1, new byte[4]));
        Assert.Throws<ArgumentException>(() => new DnsMessageWriter(new byte[512], 1, DnsFlags.None).TryWriteServiceBinding(DnsRecordType.Svcb, [0], 1, 1, [0], [0, 3, 0, 9]));
    }

    // Same owners, types, TTLs and data (names compared as text) in the answer sections of both.
    private static void AssertSameRecords(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.True(DnsMessageReader.TryParse(expected, out var left, out _));
        Assert.True(DnsMessageReader.TryParse(actual, out var right, out _));
        Assert.Equal(left.Header, right.Header);
        while (left.TryReadRecord(out var a))
        {
            Assert.True(right.TryReadRecord(out var b));
            Assert.Equal((Of(a.Name), a.Type, a.TimeToLive), (Of(b.Name), b.Type, b.TimeToLive));
            if (a.Type == DnsRecordType.Cname)
                Assert.Equal(Of(a.TargetName), Of(b.TargetName));
            else
                Assert.Equal(a.Data.ToArray(), b.Data.ToArray());
        }
        Assert.False(right.TryReadRecord(out _));
        Assert.Equal(DnsError.None, right.Error);
    }
}

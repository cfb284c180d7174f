using static SharpTun.Wire.Tests.Dns.DnsTestText;

namespace SharpTun.Wire.Tests.Dns;

public sealed class DnsMessageReaderTests
{
    [Fact]
    public void Parse_CapturedQuery_ReadsHeaderAndQuestion()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.AliasChainQuery, out var reader, out var error));

        Assert.Equal(DnsError.None, error);
        Assert.Equal(new DnsHeader { Id = 0x1a2b, Flags = DnsFlags.RecursionDesired, QuestionCount = 1 }, reader.Header);
        Assert.True(reader.TryReadQuestion(out var question));
        Assert.Equal("alias2.example.test", Of(question.Name));
        Assert.True(question.Name.Matches("ALIAS2.Example.test."));
        Assert.Equal(DnsRecordType.A, question.Type);
        Assert.Equal(DnsClass.Internet, question.Class);
        Assert.False(reader.TryReadQuestion(out _));
        Assert.False(reader.TryReadRecord(out _));
        Assert.Equal(DnsSection.End, reader.Section);
        Assert.Equal(DnsError.None, reader.Error);
        Assert.Equal(DnsCaptured.AliasChainQuery.Length, reader.Position);
    }

    [Fact]
    public void Parse_CapturedCnameChain_FollowsCompressedOwnersAndTargets()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.AliasChainResponse, out var reader, out _));
        Assert.Equal(DnsFlags.Response | DnsFlags.AuthoritativeAnswer | DnsFlags.RecursionDesired | DnsFlags.RecursionAvailable, reader.Header.Flags);
        Assert.Equal(3, reader.Header.AnswerCount);

        Assert.True(reader.TryReadRecord(out var first));
        Assert.Equal((DnsSection.Answer, DnsRecordType.Cname, 300u), (first.Section, first.Type, first.TimeToLive));
        Assert.Equal("alias2.example.test", Of(first.Name));
        Assert.Equal("alias.example.test", Of(first.TargetName));
        Assert.True(reader.TryReadRecord(out var second));
        Assert.Equal("alias.example.test", Of(second.Name));
        Assert.Equal("www.example.test", Of(second.TargetName));
        Assert.True(reader.TryReadRecord(out var third));
        Assert.Equal("www.example.test", Of(third.Name));
        Assert.Equal(DnsRecordType.A, third.Type);
        Assert.Equal(0xC000020Au, third.Ipv4Address);
        Assert.Equal(new byte[] { 192, 0, 2, 10 }, third.Address.ToArray());
        Assert.False(reader.TryReadRecord(out _));
        Assert.Equal(DnsError.None, reader.Error);
    }

    [Fact]
    public void Parse_CapturedAaaaWithEdns_ReadsAddressAndOpt()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.AaaaResponse, out var reader, out _));

        Assert.True(reader.TryReadRecord(out var answer));
        Assert.Equal(System.Net.IPAddress.Parse("2001:db8::10").GetAddressBytes(), answer.Address.ToArray());
        Assert.True(reader.TryReadRecord(out var opt));
        Assert.Equal((DnsSection.Additional, DnsRecordType.Opt), (opt.Section, opt.Type));
        Assert.True(opt.Name.IsRoot);
        Assert.Equal(1232, opt.Opt.UdpPayloadSize);
        Assert.True(opt.Opt.DnssecOk);
        Assert.Equal(0, opt.Opt.Version);
        Assert.Equal(DnsResponseCode.NoError, opt.Opt.ExtendedResponseCode(reader.Header.ResponseCode));
        Assert.False(opt.Opt.Options.MoveNext());
        Assert.False(reader.TryReadRecord(out _));
    }

    [Fact]
    public void Parse_CapturedPtr_ReadsTarget()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.PtrResponse, out var reader, out _));

        Assert.True(reader.TryReadRecord(out var answer));
        Assert.Equal("10.2.0.192.in-addr.arpa", Of(answer.Name));
        Assert.Equal(DnsRecordType.Ptr, answer.Type);
        Assert.True(answer.TargetName.Matches("www.example.test"));
    }

    [Fact]
    public void Parse_CapturedTxt_ReadsEveryString()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.TxtResponse, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var answer));

        var strings = new List<string>();
        foreach (var text in answer.TextStrings)
            strings.Add(System.Text.Encoding.ASCII.GetString(text));

        Assert.Equal(["v=spf1 -all", "second string", "third"], strings);
    }

    [Fact]
    public void Parse_CapturedHttps_ReadsPriorityTargetAndParameters()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.HttpsResponse, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var answer));

        var binding = answer.ServiceBinding;
        Assert.Equal(DnsRecordType.Https, answer.Type);
        Assert.Equal(1, binding.Priority);
        Assert.True(binding.TargetName.IsRoot);
        var parameters = binding.Parameters;
        Assert.True(parameters.MoveNext());
        Assert.Equal((ushort)DnsServiceParameterKey.Alpn, parameters.Current.Key);
        Assert.Equal("\u0002h2\u0002h3"u8.ToArray(), parameters.Current.Value.ToArray());
        Assert.True(parameters.MoveNext());
        Assert.Equal((ushort)DnsServiceParameterKey.Port, parameters.Current.Key);
        Assert.Equal(new byte[] { 0x20, 0xfb }, parameters.Current.Value.ToArray());
        Assert.True(parameters.MoveNext());
        Assert.Equal((ushort)DnsServiceParameterKey.Ipv4Hint, parameters.Current.Key);
        Assert.Equal(new byte[] { 192, 0, 2, 10 }, parameters.Current.Value.ToArray());
        Assert.False(parameters.MoveNext());
        Assert.True(reader.TryReadRecord(out var opt));
        Assert.Equal(DnsRecordType.Opt, opt.Type);
    }

    [Fact]
    public void Parse_CapturedSvcb_ReadsTargetAndPort()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.SvcbResponse, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var answer));

        Assert.Equal(16, answer.ServiceBinding.Priority);
        Assert.Equal("svc.example.test", Of(answer.ServiceBinding.TargetName));
        foreach (var parameter in answer.ServiceBinding.Parameters)
            Assert.Equal(((ushort)DnsServiceParameterKey.Port, 853), (parameter.Key, parameter.Value[0] << 8 | parameter.Value[1]));
    }

    [Fact]
    public void Parse_CapturedTruncatedUdp_HasTruncatedFlagAndTheRecordsThatFit()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.LargeTxtTruncatedUdpResponse, out var reader, out _));

        Assert.True(reader.Header.Flags.HasFlag(DnsFlags.Truncated));
        Assert.Equal(4, CountRecords(ref reader));
        Assert.Equal(DnsError.None, reader.Error);
    }

    [Fact]
    public void Parse_CapturedTcpResponse_ReadsAllTwelveRecords()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.LargeTxtTcpResponse, out var reader, out _));

        Assert.False(reader.Header.Flags.HasFlag(DnsFlags.Truncated));
        Assert.Equal(12, CountRecords(ref reader));
        Assert.Equal(DnsError.None, reader.Error);
    }

    [Fact]
    public void Parse_CapturedRefused_ReadsResponseCodeAndNoRecords()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.RefusedResponse, out var reader, out _));

        Assert.Equal(DnsResponseCode.Refused, reader.Header.ResponseCode);
        Assert.Equal(0, CountRecords(ref reader));
    }

    [Fact]
    public void TryReadRecord_QuestionsNotRead_SkipsThem()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.PtrResponse, out var reader, out _));

        Assert.True(reader.TryReadRecord(out var answer));
        Assert.Equal(DnsRecordType.Ptr, answer.Type);
    }

    [Fact]
    public void TypedAccessor_WrongType_Throws()
    {
        var message = DnsCaptured.TxtResponse;

        Assert.Throws<InvalidOperationException>(() =>
        {
            DnsMessageReader.TryParse(message, out var reader, out _);
            reader.TryReadRecord(out var answer);
            return answer.Ipv4Address;
        });
    }

    private static int CountRecords(ref DnsMessageReader reader)
    {
        int count = 0;
        while (reader.TryReadRecord(out var record))
        {
            Assert.Equal(DnsRecordType.Txt, record.Type);
            count++;
        }
        return count;
    }
}

using static SharpTun.Wire.Tests.Dns.DnsTestText;

namespace SharpTun.Wire.Tests.Dns;

/// <summary>The wire-format test vectors of RFC 9460 Appendix D, as RDATA of an SVCB record owned by example.com.</summary>
public sealed class DnsServiceBindingTests
{
    public static TheoryData<string, string, ushort, string, string> Rfc9460Vectors => new()
    {
        // Figure 2, AliasMode: example.com. HTTPS 0 foo.example.com.
        { "D.1 AliasMode", "0000" + "03666f6f076578616d706c6503636f6d00", 0, "foo.example.com", "" },
        // Figure 3: example.com. SVCB 1 .
        { "D.2 Figure 3", "0001" + "00", 1, ".", "" },
        // Figure 4: example.com. SVCB 16 foo.example.com. port=53
        { "D.2 Figure 4", "0010" + "03666f6f076578616d706c6503636f6d00" + "000300020035", 16, "foo.example.com", "3=0035" },
        // Figure 5: example.com. SVCB 1 foo.example.com. key667=hello
        { "D.2 Figure 5", "0001" + "03666f6f076578616d706c6503636f6d00" + "029b000568656c6c6f", 1, "foo.example.com", "667=68656c6c6f" },
        // Figure 6: example.com. SVCB 1 foo.example.com. key667="hello\210qoo"
        { "D.2 Figure 6", "0001" + "03666f6f076578616d706c6503636f6d00" + "029b000968656c6c6fd2716f6f", 1, "foo.example.com", "667=68656c6c6fd2716f6f" },
        // Figure 7: example.com. SVCB 1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"
        { "D.2 Figure 7", "0001" + "03666f6f076578616d706c6503636f6d00" + "0006002020010db800000000000000000000000120010db8000000000000000000530001", 1, "foo.example.com", "6=20010db800000000000000000000000120010db8000000000000000000530001" },
        // Figure 8: example.com. SVCB 1 example.com. ipv6hint="2001:db8:122:344::192.0.2.33"
        { "D.2 Figure 8", "0001" + "076578616d706c6503636f6d00" + "0006001020010db80122034400000000c0000221", 1, "example.com", "6=20010db80122034400000000c0000221" },
        // Figure 9: example.com. SVCB 16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1)
        { "D.2 Figure 9", "0010" + "03666f6f076578616d706c65036f726700" + "0000000400010004" + "000100090268320568332d3139" + "00040004c0000201", 16, "foo.example.org", "0=00010004 1=0268320568332d3139 4=c0000201" },
        // Figure 10: example.com. SVCB 16 foo.example.org. alpn="f\\\\oo\\,bar,h2"
        { "D.2 Figure 10", "0010" + "03666f6f076578616d706c65036f726700" + "0001000c08665c6f6f2c626172026832", 16, "foo.example.org", "1=08665c6f6f2c626172026832" },
    };

    [Theory]
    [MemberData(nameof(Rfc9460Vectors))]
    public void Parse_Rfc9460Vector_ReadsFields(string figure, string rdataHex, ushort priority, string target, string parameters)
    {
        var rdata = Convert.FromHexString(rdataHex);
        var message = MessageWithRecord(rdata);
        Assert.True(DnsMessageReader.TryParse(message, out var reader, out _), figure);
        Assert.True(reader.TryReadRecord(out var record), $"{figure}: {reader.Error}");

        var binding = record.ServiceBinding;
        Assert.Equal(priority, binding.Priority);
        Assert.Equal(target, Of(binding.TargetName));
        var actual = new List<string>();
        foreach (var parameter in binding.Parameters)
            actual.Add($"{parameter.Key}={Convert.ToHexStringLower(parameter.Value)}");
        Assert.Equal(parameters, string.Join(' ', actual));
    }

    [Theory]
    [MemberData(nameof(Rfc9460Vectors))]
    public void Emit_Rfc9460Vector_WritesSameRdata(string figure, string rdataHex, ushort priority, string target, string parameters)
    {
        var rdata = Convert.FromHexString(rdataHex);
        var targetWire = WireName(target);
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, 1, DnsFlags.Response);

        Assert.True(writer.TryWriteServiceBinding(DnsRecordType.Svcb, WireName("example.com"), 60, priority, targetWire, rdata.AsSpan(2 + targetWire.Length)));

        Assert.True(writer.Written.EndsWith(rdata), $"{figure} with parameters {parameters}");
    }

    [Theory]
    [InlineData("0001" + "00" + "0003000200350001000100", "keys out of order")]
    [InlineData("0001" + "00" + "000300020035000300020035", "key repeated")]
    [InlineData("0001" + "00" + "000300040035", "value beyond RDATA")]
    [InlineData("0001" + "00" + "0003", "key without length")]
    [InlineData("0001" + "c00c", "compressed target")]
    [InlineData("0001" + "03666f6f", "target beyond RDATA")]
    [InlineData("00", "no target")]
    public void Parse_MalformedRdata_IsBadRecordData(string rdataHex, string why)
    {
        var message = MessageWithRecord(Convert.FromHexString(rdataHex));

        Assert.True(DnsMessageReader.TryParse(message, out var reader, out _));
        Assert.False(reader.TryReadRecord(out _), why);
        Assert.Equal(DnsError.BadRecordData, reader.Error);
    }

    private static byte[] MessageWithRecord(byte[] rdata)
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, 1, DnsFlags.Response);
        Assert.True(writer.TryWriteRecord(WireName("example.com"), DnsRecordType.Svcb, DnsClass.Internet, 60, rdata));
        return writer.Written.ToArray();
    }
}

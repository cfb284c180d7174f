using static SharpTun.Wire.Tests.Dns.DnsTestText;

namespace SharpTun.Wire.Tests.Dns;

public sealed class DnsNameTests
{
    [Theory]
    [InlineData("www.example.com", "03777777076578616d706c6503636f6d00")]
    [InlineData("www.example.com.", "03777777076578616d706c6503636f6d00")]
    [InlineData(".", "00")]
    [InlineData("a", "016100")]
    public void TryEncode_ValidName_WritesLabels(string dotted, string expectedHex)
    {
        Assert.Equal(Convert.FromHexString(expectedHex), WireName(dotted));
    }

    [Theory]
    [InlineData("", DnsError.EmptyLabel)]
    [InlineData("..", DnsError.EmptyLabel)]
    [InlineData(".a", DnsError.EmptyLabel)]
    [InlineData("a..b", DnsError.EmptyLabel)]
    [InlineData("bücher.example", DnsError.NonAsciiName)]
    public void TryEncode_InvalidName_ReturnsError(string dotted, DnsError expected)
    {
        Assert.Equal(expected, DnsNameEncoding.TryEncode(dotted, new byte[DnsName.MaximumLength], out _));
    }

    [Fact]
    public void TryEncode_LabelOf64_IsLabelTooLong()
    {
        Assert.Equal(DnsError.None, DnsNameEncoding.TryEncode(new string('a', 63) + ".test", new byte[DnsName.MaximumLength], out _));
        Assert.Equal(DnsError.LabelTooLong, DnsNameEncoding.TryEncode(new string('a', 64) + ".test", new byte[DnsName.MaximumLength], out _));
    }

    [Fact]
    public void TryEncode_NameOf256_IsNameTooLong()
    {
        // Wire length: 3 × (1 + 63) + (1 + 61) + 1 = 255; one more byte in the last label makes 256.
        string longest = $"{new string('a', 63)}.{new string('b', 63)}.{new string('c', 63)}.{new string('d', 61)}";

        Assert.Equal(DnsError.None, DnsNameEncoding.TryEncode(longest, new byte[DnsName.MaximumLength], out int written));
        Assert.Equal(DnsName.MaximumLength, written);
        Assert.Equal(DnsError.NameTooLong, DnsNameEncoding.TryEncode(longest + "d", new byte[DnsName.MaximumLength], out _));
    }

    [Fact]
    public void TryEncode_ShortDestination_IsTruncated()
    {
        Assert.Equal(DnsError.Truncated, DnsNameEncoding.TryEncode("example.com", new byte[12], out _));
        Assert.Equal(DnsError.None, DnsNameEncoding.TryEncode("example.com", new byte[13], out _));
    }

    [Theory]
    [InlineData("00", DnsError.None)]
    [InlineData("", DnsError.Truncated)]
    [InlineData("0161", DnsError.Truncated)]
    [InlineData("016100ff", DnsError.BadRecordData)]
    [InlineData("c00c", DnsError.LabelTooLong)]
    public void Validate_WireName_ReturnsError(string hex, DnsError expected)
    {
        Assert.Equal(expected, DnsNameEncoding.Validate(Convert.FromHexString(hex)));
    }

    [Fact]
    public void TryFormat_AwkwardBytes_AreEscapedAsInMasterFiles()
    {
        // Labels "a.b", "c\d" and bytes 0x00, 0x20, 0xff.
        var message = Convert.FromHexString("03612e6203635c640300" + "20ff00");

        Assert.Equal(DnsError.None, DnsName.TryRead(message, 0, out var name, out int end));
        Assert.Equal(message.Length, end);
        Assert.Equal(@"a\.b.c\\d.\000\032\255", Of(name));
    }

    [Fact]
    public void TryFormat_ShortDestination_ReturnsFalse()
    {
        var message = WireName("www.example.com");
        DnsName.TryRead(message, 0, out var name, out _);

        Assert.False(name.TryFormat(new char[14], out _));
        Assert.True(name.TryFormat(new char[15], out int written));
        Assert.Equal(15, written);
    }

    [Theory]
    [InlineData("www.example.com", true)]
    [InlineData("WWW.EXAMPLE.COM.", true)]
    [InlineData("www.example.co", false)]
    [InlineData("www.example.com.au", false)]
    [InlineData("example.com", false)]
    [InlineData("ww.example.com", false)]
    [InlineData(".", false)]
    [InlineData("", false)]
    [InlineData("www.examplé.com", false)]
    public void Matches_DottedText_IgnoresAsciiCaseOnly(string dotted, bool expected)
    {
        var message = WireName("www.Example.COM");
        DnsName.TryRead(message, 0, out var name, out _);

        Assert.Equal(expected, name.Matches(dotted));
        var wire = new byte[DnsName.MaximumLength];
        if (DnsNameEncoding.TryEncode(dotted, wire, out int length) == DnsError.None)
            Assert.Equal(expected, name.Matches((ReadOnlySpan<byte>)wire.AsSpan(0, length)));
    }

    [Fact]
    public void Matches_Root_OnlyMatchesDotOrEmpty()
    {
        DnsName.TryRead([0], 0, out var root, out _);

        Assert.True(root.IsRoot);
        Assert.True(root.Matches("."));
        Assert.True(root.Matches(""));
        Assert.False(root.Matches("a"));
    }

    [Fact]
    public void CopyTo_CompressedName_WritesItUncompressed()
    {
        Assert.True(DnsMessageReader.TryParse(DnsCaptured.AliasChainResponse, out var reader, out _));
        reader.TryReadRecord(out _);
        Assert.True(reader.TryReadRecord(out var second));
        var wire = new byte[DnsName.MaximumLength];

        int length = second.Name.CopyTo(wire);

        Assert.Equal(WireName("alias.example.test"), wire[..length]);
        Assert.Equal(length, second.Name.WireLength);
    }
}

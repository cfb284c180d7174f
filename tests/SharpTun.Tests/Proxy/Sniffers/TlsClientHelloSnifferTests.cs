using SharpTun.Proxy.Sniffers;
using static SharpTun.Tests.Proxy.Sniffers.ClientHelloBuilder;

namespace SharpTun.Tests.Proxy.Sniffers;

public sealed class TlsClientHelloSnifferTests
{
    private static readonly byte[] ExampleTest = "example.test"u8.ToArray();

    public static TheoryData<string, byte[], string, bool> CompleteHellos => new()
    {
        { "curl TLS 1.2", CapturedFlows.CurlTls12ClientHello, "example.test", false },
        { "curl TLS 1.3", CapturedFlows.CurlTls13ClientHello, "example.test", false },
        { "openssl mixed case", CapturedFlows.OpensslMixedCaseClientHello, "mixed.example.org", false },
        { "openssl two records", CapturedFlows.OpensslTwoRecordClientHello, "split.example.net", false },
        { "curl TLS 1.2 + GREASE ECH", AppendExtension(CapturedFlows.CurlTls12ClientHello, GreaseEncryptedClientHello(seed: 1)), "example.test", true },
        { "curl TLS 1.3 + GREASE ECH", AppendExtension(CapturedFlows.CurlTls13ClientHello, GreaseEncryptedClientHello(seed: 2)), "example.test", true },
        { "openssl in 1-byte records", Resplit(CapturedFlows.OpensslMixedCaseClientHello, 1), "mixed.example.org", false },
        { "openssl in 3-byte records", Resplit(CapturedFlows.OpensslTwoRecordClientHello, 3), "split.example.net", false },
        { "curl TLS 1.3 in 100-byte records", Resplit(CapturedFlows.CurlTls13ClientHello, 100), "example.test", false },
    };

    [Theory]
    [MemberData(nameof(CompleteHellos))]
    public void Sniff_CompleteHello_FindsLowercaseServerName(string client, byte[] hello, string expected, bool hasEch)
    {
        var result = Sniff(hello, out string hostName);

        Assert.True(result.Status == SniffStatus.Found, $"{client}: {result}");
        Assert.Equal(SniffProtocol.Tls, result.Protocol);
        Assert.Equal(expected, hostName);
        Assert.Equal(hasEch, result.HasEncryptedClientHello);
    }

    [Theory]
    [MemberData(nameof(CompleteHellos))]
    public void Sniff_EveryProperPrefix_NeedsMore(string client, byte[] hello, string expected, bool hasEch)
    {
        _ = (expected, hasEch);
        Span<char> hostName = stackalloc char[HostNameRules.MaxLength];
        for (int length = 1; length < hello.Length; length++)
        {
            var result = TlsClientHelloSniffer.Sniff(hello.AsSpan(0, length), hostName);
            Assert.True(result.Status == SniffStatus.NeedMore, $"{client}, first {length} of {hello.Length} bytes: {result}");
        }
    }

    [Fact]
    public void Sniff_BytesAfterTheHello_AreIgnored()
    {
        // A TLS 1.3 client may send a ChangeCipherSpec or early data right behind the ClientHello.
        byte[] followed = [.. CapturedFlows.CurlTls13ClientHello, 0x14, 0x03, 0x03, 0x00, 0x01, 0x01];

        Assert.Equal(SniffStatus.Found, Sniff(followed, out string hostName).Status);
        Assert.Equal("example.test", hostName);
    }

    [Fact]
    public void Sniff_TlsHelloWithoutExtensions_HasNoDomain()
    {
        // RFC 5246 §7.4.1.2: before TLS 1.3 the extensions block may be left out altogether.
        var result = Sniff(Record(Body(extensions: null)), out _);

        Assert.Equal(new SniffResult(SniffStatus.NoDomain, SniffProtocol.Tls, SniffReason.NoServerName, 0, false), result);
    }

    [Fact]
    public void Sniff_EchWithoutServerName_HasNoDomainAndReportsEch()
    {
        var result = Sniff(Record(Body(GreaseEncryptedClientHello(seed: 3))), out _);

        Assert.Equal(new SniffResult(SniffStatus.NoDomain, SniffProtocol.Tls, SniffReason.NoServerName, 0, true), result);
    }

    [Fact]
    public void Sniff_LongestValidName_IsFound()
    {
        string name = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61);
        Assert.Equal(HostNameRules.MaxLength, name.Length);

        Assert.Equal(SniffStatus.Found, Sniff(WithHostName(name), out string hostName).Status);
        Assert.Equal(name, hostName);
    }

    public static TheoryData<string, byte[], SniffStatus, SniffReason> BrokenHellos => new()
    {
        { "alert record", [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], SniffStatus.NotThisProtocol, SniffReason.None },
        { "application data record", [0x17, 0x03, 0x03, 0x00, 0x01, 0x00], SniffStatus.NotThisProtocol, SniffReason.None },
        { "record major version 2", [0x16, 0x02, 0x00, 0x00, 0x01], SniffStatus.NotThisProtocol, SniffReason.None },
        { "empty record", [0x16, 0x03, 0x01, 0x00, 0x00], SniffStatus.Malformed, SniffReason.EmptyRecord },
        { "record over 2^14", [0x16, 0x03, 0x01, 0x40, 0x01], SniffStatus.Malformed, SniffReason.RecordTooLong },
        { "ServerHello", Record(Body(Extension(0, ServerNameList((0, ExampleTest)))), handshakeType: 2), SniffStatus.Malformed, SniffReason.NotClientHello },
        { "ClientHello over 16 KiB", [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x40, 0x01], SniffStatus.Malformed, SniffReason.ClientHelloTooLong },
        { "alert between fragments", [.. Resplit(WithHostName("example.test"), 20)[..25], 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], SniffStatus.Malformed, SniffReason.InterleavedRecord },
        { "second record version 4", [.. Resplit(WithHostName("example.test"), 20)[..25], 0x16, 0x04, 0x03, 0x00, 0x01, 0x00], SniffStatus.Malformed, SniffReason.RecordVersion },
        { "body shorter than random", Record([0x03, 0x03, .. new byte[20]]), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "legacy_version 2.0", Record([0x02, 0x00, .. Body(null)[2..]]), SniffStatus.Malformed, SniffReason.ClientHelloVersion },
        { "session id of 33", Record(Body(null, sessionId: new byte[33])), SniffStatus.Malformed, SniffReason.SessionIdTooLong },
        { "no cipher suites", Record(Body(null, cipherSuites: [])), SniffStatus.Malformed, SniffReason.CipherSuites },
        { "odd cipher suites", Record(Body(null, cipherSuites: [0x13, 0x01, 0x13])), SniffStatus.Malformed, SniffReason.CipherSuites },
        { "no compression methods", Record(Body(null, compressionMethods: [])), SniffStatus.Malformed, SniffReason.CompressionMethods },
        { "cipher suites beyond data", Record(Body(null)[..^3]), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "extensions beyond data", Record(Body(Extension(0, ServerNameList((0, ExampleTest))))[..^1]), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "bytes after extensions", Record([.. Body(Extension(0, ServerNameList((0, ExampleTest)))), 0x00]), SniffStatus.Malformed, SniffReason.TrailingBytes },
        { "extension overruns block", Record(Body([0x00, 0x17, 0x00, 0x05, 0x00])), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "half an extension header", Record(Body([0x00, 0x17, 0x00])), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "no server_name", Record(Body(Extension(0x17, []))), SniffStatus.NoDomain, SniffReason.NoServerName },
        { "name list beyond extension", Record(Body(Extension(0, [0x00, 0x10, 0x00, 0x00, 0x01, (byte)'a']))), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "bytes after name list", Record(Body(Extension(0, [.. ServerNameList((0, ExampleTest)), 0x00]))), SniffStatus.Malformed, SniffReason.TrailingBytes },
        { "name beyond name list", Record(Body(Extension(0, [0x00, 0x04, 0x00, 0x00, 0x05, (byte)'a']))), SniffStatus.Malformed, SniffReason.LengthOverrun },
        { "empty name list", Record(Body(Extension(0, ServerNameList()))), SniffStatus.Malformed, SniffReason.EmptyServerNameList },
        { "only name type 1", Record(Body(Extension(0, ServerNameList((1, ExampleTest))))), SniffStatus.NoDomain, SniffReason.NoServerName },
        { "two host_names", Record(Body(Extension(0, ServerNameList((0, ExampleTest), (0, "b.test"u8.ToArray()))))), SniffStatus.Malformed, SniffReason.DuplicateServerName },
        { "two server_name extensions", Record(Body([.. Extension(0, ServerNameList((0, ExampleTest))), .. Extension(0, ServerNameList((0, ExampleTest)))])), SniffStatus.Malformed, SniffReason.DuplicateServerName },
        { "empty name", WithHostName(""), SniffStatus.Malformed, SniffReason.EmptyHostName },
        { "IPv4 literal", WithHostName("192.0.2.1"), SniffStatus.Malformed, SniffReason.IpLiteralHostName },
        { "IPv6 literal", WithHostName("2001:db8::1"), SniffStatus.Malformed, SniffReason.IpLiteralHostName },
        { "IPv4-mapped IPv6 literal", WithHostName("::ffff:192.0.2.1"), SniffStatus.Malformed, SniffReason.IpLiteralHostName },
        { "name of 254", WithHostName(new string('a', 63) + "." + new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 62)), SniffStatus.Malformed, SniffReason.HostNameTooLong },
        { "label of 64", WithHostName(new string('a', 64) + ".test"), SniffStatus.Malformed, SniffReason.InvalidHostName },
        { "space", WithHostName("exa mple.test"), SniffStatus.Malformed, SniffReason.InvalidHostName },
        { "NUL", WithHostName("example.test\0.evil"), SniffStatus.Malformed, SniffReason.InvalidHostName },
        { "UTF-8, not punycode", WithHostName("bücher.test"), SniffStatus.Malformed, SniffReason.InvalidHostName },
        { "empty label", WithHostName("example..test"), SniffStatus.Malformed, SniffReason.InvalidHostName },
        { "trailing dot", WithHostName("example.test."), SniffStatus.Malformed, SniffReason.InvalidHostName },
        { "leading dot", WithHostName(".example.test"), SniffStatus.Malformed, SniffReason.InvalidHostName },
    };

    [Theory]
    [MemberData(nameof(BrokenHellos))]
    public void Sniff_BrokenHello_SaysWhatIsWrong(string what, byte[] input, SniffStatus status, SniffReason reason)
    {
        var result = Sniff(input, out _);

        Assert.True(result.Status == status && result.Reason == reason, $"{what}: {result}");
        Assert.Equal(0, result.HostNameLength);
    }

    [Fact]
    public void Sniff_BufferShorterThanLongestName_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TlsClientHelloSniffer.Sniff(CapturedFlows.CurlTls13ClientHello, new char[HostNameRules.MaxLength - 1]));
    }

    private static SniffResult Sniff(byte[] input, out string hostName)
    {
        var buffer = new char[HostNameRules.MaxLength];
        var result = TlsClientHelloSniffer.Sniff(input, buffer);
        hostName = new string(buffer, 0, result.HostNameLength);
        return result;
    }
}

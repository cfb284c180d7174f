using CsCheck;
using SharpTun.Proxy.Sniffers;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Proxy.Sniffers;

public sealed class DomainSnifferTests
{
    [Theory]
    [InlineData(new byte[0], SniffStatus.NeedMore, SniffProtocol.None)]
    [InlineData(new byte[] { 0x16 }, SniffStatus.NeedMore, SniffProtocol.Tls)]
    [InlineData(new byte[] { (byte)'C', (byte)'O' }, SniffStatus.NeedMore, SniffProtocol.Http)]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00 }, SniffStatus.NeedMore, SniffProtocol.Tls)]
    [InlineData(new byte[] { (byte)'S', (byte)'S', (byte)'H', (byte)'-' }, SniffStatus.NotThisProtocol, SniffProtocol.None)]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x2c }, SniffStatus.NotThisProtocol, SniffProtocol.None)]
    public void Sniff_FirstBytes_PickProtocol(byte[] input, SniffStatus status, SniffProtocol protocol)
    {
        var result = DomainSniffer.Sniff(input, new char[HostNameRules.MaxLength]);

        Assert.Equal(status, result.Status);
        Assert.Equal(protocol, result.Protocol);
    }

    [Fact]
    public void Sniff_CapturedTlsAndHttp_FindsBoth()
    {
        var hostName = new char[HostNameRules.MaxLength];

        var tls = DomainSniffer.Sniff(CapturedFlows.OpensslMixedCaseClientHello, hostName);
        Assert.Equal(SniffProtocol.Tls, tls.Protocol);
        Assert.Equal("mixed.example.org", new string(hostName, 0, tls.HostNameLength));

        var http = DomainSniffer.Sniff(CapturedFlows.CurlHttpRequest, hostName);
        Assert.Equal(SniffProtocol.Http, http.Protocol);
        Assert.Equal("example.test", new string(hostName, 0, http.HostNameLength));
    }

    [Fact]
    public void Sniff_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 600].Sample(bytes => AssertWellBehaved(bytes));
    }

    [Fact]
    public void Sniff_RandomBytesBehindTlsOrHttpStart_NeverThrows()
    {
        Gen.Select(Gen.Int[0, 2], Gen.Byte.Array[0, 600]).Sample((start, tail) =>
        {
            byte[] prefix = start switch
            {
                // A record and a handshake header whose lengths fit the random body, so the body is parsed.
                0 => [0x16, 0x03, 0x01, (byte)((tail.Length + 4) >> 8), (byte)(tail.Length + 4), 0x01, 0x00, (byte)(tail.Length >> 8), (byte)tail.Length],
                1 => "GET / HTTP/1.1\r\nHost: "u8.ToArray(),
                _ => [0x16, 0x03, 0x03, 0x00, 0x01, 0x01],
            };
            AssertWellBehaved([.. prefix, .. tail]);
        });
    }

    [Fact]
    public void Sniff_CapturedHelloWithOneByteChanged_NeverThrows()
    {
        var hello = ClientHelloBuilder.AppendExtension(CapturedFlows.CurlTls13ClientHello, ClientHelloBuilder.GreaseEncryptedClientHello(seed: 4));
        Gen.Select(Gen.Int[0, hello.Length - 1], Gen.Byte).Sample((position, value) =>
        {
            var changed = (byte[])hello.Clone();
            changed[position] = value;
            AssertWellBehaved(changed);
        });
    }

    [Fact]
    public void Sniff_CapturedFlows_AllocatesNothing()
    {
        var oneRecord = CapturedFlows.CurlTls13ClientHello;
        var twoRecords = CapturedFlows.OpensslTwoRecordClientHello;
        var http = CapturedFlows.CurlHttpRequest;
        var hostName = new char[HostNameRules.MaxLength];
        int found = 0;
        void SniffAll()
        {
            for (int i = 0; i < 100; i++)
            {
                found += DomainSniffer.Sniff(oneRecord, hostName).HostNameLength;
                found += DomainSniffer.Sniff(twoRecords, hostName).HostNameLength;
                found += DomainSniffer.Sniff(http, hostName).HostNameLength;
            }
        }
        SniffAll();
        found = 0;

        // No assertions inside: xunit's asserts allocate.
        long allocated = Allocations.FewestBytes(SniffAll);

        Assert.Equal(0, allocated);
        Assert.Equal(3 * 100 * ("example.test".Length + "split.example.net".Length + "example.test".Length), found);
    }

    // Any input: no exception, a host name only with Found, and a name that is a valid lowercase domain.
    private static void AssertWellBehaved(byte[] input)
    {
        var hostName = new char[HostNameRules.MaxLength];
        var result = DomainSniffer.Sniff(input, hostName);
        if (result.Status != SniffStatus.Found)
        {
            Assert.Equal(0, result.HostNameLength);
            return;
        }
        Assert.InRange(result.HostNameLength, 1, HostNameRules.MaxLength);
        foreach (char c in hostName.AsSpan(0, result.HostNameLength))
            Assert.True(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.', $"'{c}' in a found name");
    }
}

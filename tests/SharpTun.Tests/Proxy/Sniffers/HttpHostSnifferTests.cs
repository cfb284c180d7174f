using System.Text;
using SharpTun.Proxy.Sniffers;

namespace SharpTun.Tests.Proxy.Sniffers;

public sealed class HttpHostSnifferTests
{
    [Fact]
    public void Sniff_CapturedCurlRequest_FindsHostWithoutPort()
    {
        var result = Sniff(CapturedFlows.CurlHttpRequest, out string hostName);

        Assert.Equal(new SniffResult(SniffStatus.Found, SniffProtocol.Http, SniffReason.None, 12, false), result);
        Assert.Equal("example.test", hostName);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "example.com")]
    [InlineData("POST /form HTTP/1.1\r\nhost: Example.COM:8080\r\nContent-Length: 3\r\n\r\nabc", "example.com")]
    [InlineData("HEAD / HTTP/1.0\r\nHOST:example.com  \r\n\r\n", "example.com")]
    [InlineData("PUT / HTTP/1.1\r\nHost: \texample.com.\r\n\r\n", "example.com")]
    [InlineData("DELETE / HTTP/1.1\r\nHost: example.com:\r\n\r\n", "example.com")]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: api.example.com\r\n\r\n", "api.example.com")]
    [InlineData("PATCH /x HTTP/1.1\nHost: bare-lf.example.com\n\n", "bare-lf.example.com")]
    [InlineData("TRACE / HTTP/1.1\r\nX-Long:\r\n  folded value\r\nHost: fold-elsewhere.example\r\n\r\n", "fold-elsewhere.example")]
    [InlineData("CONNECT tunnel.example.com:443 HTTP/1.1\r\nHost: tunnel.example.com:443\r\n\r\n", "tunnel.example.com")]
    [InlineData("GET http://Absolute.Example:8080/path?q HTTP/1.1\r\nHost: ignored.example\r\n\r\n", "absolute.example")]
    [InlineData("GET HTTPS://user:pass@secure.example/ HTTP/1.1\r\n\r\n", "secure.example")]
    [InlineData("GET http://query.example?x=1 HTTP/1.1\r\n\r\n", "query.example")]
    public void Sniff_Request_FindsLowercaseDomain(string request, string expected)
    {
        var result = Sniff(Encoding.ASCII.GetBytes(request), out string hostName);

        Assert.True(result.Status == SniffStatus.Found, result.ToString());
        Assert.Equal(expected, hostName);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", SniffStatus.NoDomain, SniffReason.IpLiteralHostName)]
    [InlineData("GET / HTTP/1.1\r\nHost: [2001:db8::1]\r\n\r\n", SniffStatus.NoDomain, SniffReason.IpLiteralHostName)]
    [InlineData("GET / HTTP/1.1\r\nHost: 192.0.2.1:80\r\n\r\n", SniffStatus.NoDomain, SniffReason.IpLiteralHostName)]
    [InlineData("GET http://[::1]/ HTTP/1.1\r\nHost: example.com\r\n\r\n", SniffStatus.NoDomain, SniffReason.IpLiteralHostName)]
    [InlineData("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", SniffStatus.NoDomain, SniffReason.NoHost)]
    [InlineData("GET / HTTP/1.1\r\nHost:\r\n\r\n", SniffStatus.NoDomain, SniffReason.EmptyHostName)]
    [InlineData("GET / HTTP/1.1\r\nHost: example.com\r\n  .evil.test\r\n\r\n", SniffStatus.Malformed, SniffReason.FoldedHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\n\r\n", SniffStatus.Malformed, SniffReason.DuplicateHost)]
    [InlineData("GET / HTTP/1.1\r\nHost : example.com\r\n\r\n", SniffStatus.Malformed, SniffReason.HeaderLine)]
    [InlineData("GET / HTTP/1.1\r\nno colon here\r\n\r\n", SniffStatus.Malformed, SniffReason.HeaderLine)]
    [InlineData("GET / HTTP/1.1\r\n: empty name\r\n\r\n", SniffStatus.Malformed, SniffReason.HeaderLine)]
    [InlineData("GET / HTTP/1.1\r\nHost: example.com:80x\r\n\r\n", SniffStatus.Malformed, SniffReason.InvalidPort)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", SniffStatus.Malformed, SniffReason.InvalidHostName)]
    [InlineData("GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n", SniffStatus.Malformed, SniffReason.InvalidHostName)]
    [InlineData("GET / HTTP/2.0\r\nHost: example.com\r\n\r\n", SniffStatus.Malformed, SniffReason.RequestLine)]
    [InlineData("GET  / HTTP/1.1\r\nHost: example.com\r\n\r\n", SniffStatus.Malformed, SniffReason.RequestLine)]
    [InlineData("GET / HTTP/1.1 \r\nHost: example.com\r\n\r\n", SniffStatus.Malformed, SniffReason.RequestLine)]
    [InlineData("GET ftp://example.com/ HTTP/1.1\r\n\r\n", SniffStatus.Malformed, SniffReason.RequestLine)]
    [InlineData("get / HTTP/1.1\r\nHost: example.com\r\n\r\n", SniffStatus.NotThisProtocol, SniffReason.None)]
    [InlineData("GETS / HTTP/1.1\r\n\r\n", SniffStatus.NotThisProtocol, SniffReason.None)]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", SniffStatus.NotThisProtocol, SniffReason.None)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", SniffStatus.NotThisProtocol, SniffReason.None)]
    public void Sniff_RequestWithoutUsableDomain_SaysWhy(string request, SniffStatus status, SniffReason reason)
    {
        var result = Sniff(Encoding.ASCII.GetBytes(request), out _);

        Assert.True(result.Status == status && result.Reason == reason, result.ToString());
    }

    [Fact]
    public void Sniff_EveryProperPrefixOfCapturedRequest_NeedsMore()
    {
        var request = CapturedFlows.CurlHttpRequest;
        Span<char> hostName = stackalloc char[HostNameRules.MaxLength];
        for (int length = 1; length < request.Length; length++)
        {
            var result = HttpHostSniffer.Sniff(request.AsSpan(0, length), hostName);
            Assert.True(result.Status == SniffStatus.NeedMore, $"first {length} bytes: {result}");
        }
    }

    [Fact]
    public void Sniff_HeaderSectionReachingTheLimit_IsMalformed()
    {
        var request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: example.com\r\nCookie: " + new string('c', HttpHostSniffer.MaxHeaderSectionLength));

        Assert.Equal(SniffStatus.NeedMore, Sniff(request[..(HttpHostSniffer.MaxHeaderSectionLength - 1)], out _).Status);
        var result = Sniff(request, out _);
        Assert.Equal(new SniffResult(SniffStatus.Malformed, SniffProtocol.Http, SniffReason.HeaderSectionTooLong, 0, false), result);
    }

    [Fact]
    public void Sniff_HeaderSectionEndingJustInsideTheLimit_IsFound()
    {
        string head = "GET / HTTP/1.1\r\nHost: example.com\r\nCookie: ";
        var request = Encoding.ASCII.GetBytes(head + new string('c', HttpHostSniffer.MaxHeaderSectionLength - head.Length - 4) + "\r\n\r\nbody");

        Assert.Equal(SniffStatus.Found, Sniff(request, out string hostName).Status);
        Assert.Equal("example.com", hostName);
    }

    private static SniffResult Sniff(byte[] input, out string hostName)
    {
        var buffer = new char[HostNameRules.MaxLength];
        var result = HttpHostSniffer.Sniff(input, buffer);
        hostName = new string(buffer, 0, result.HostNameLength);
        return result;
    }
}

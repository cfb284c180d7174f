using System.Net;
using System.Text;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Http;
using static SharpTun.Tests.Proxy.ScriptedServer.Script;

namespace SharpTun.Tests.Proxy;

public sealed class HttpConnectOutboundTests
{
    private static HttpConnectOutbound Outbound(ScriptedServer server, ProxyCredentials? credentials = null, double timeoutSeconds = 3) =>
        new(server.Destination, credentials, ProxyTestSupport.Options(timeoutSeconds), ProxyTestSupport.Logger);

    private static ProxyDestination Target => ProxyDestination.FromDomain("example.com", 443);

    [Fact]
    public async Task ConnectTcpAsync_200WithEarlyBytes_HandsThemOverFirst()
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send("HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nEARLY"), Echo());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        Assert.Equal(5, connection.PendingLength);
        Assert.Equal("EARLYping"u8.ToArray(), await ProxyTestSupport.RoundTripAsync(connection, "ping"u8.ToArray()));
        await server.Completion;
        Assert.Equal("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", Encoding.ASCII.GetString(server.Received));
    }

    [Fact]
    public async Task Stream_AfterEarlyBytes_ReadsThemFirst()
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send("HTTP/1.0 200 OK\r\n\r\nAB"), Send("CD"), Close());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        using var reader = new StreamReader(connection.Stream);
        Assert.Equal("ABCD", await reader.ReadToEndAsync(ProxyTestSupport.Timeout()));
    }

    [Fact]
    public async Task ConnectTcpAsync_Credentials_SendsBasicAuthorization()
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send("HTTP/1.1 200 OK\r\n\r\n"), Close());

        var result = await Outbound(server, new ProxyCredentials("user", "pass")).ConnectTcpAsync(
            ProxyDestination.FromAddress(IPAddress.IPv6Loopback, 8443), ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
        await server.Completion;
        Assert.Equal("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n", Encoding.ASCII.GetString(server.Received));
    }

    [Theory]
    [InlineData("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n", OutboundError.AuthenticationFailed, "requires authentication (HTTP/1.1 407 Proxy Authentication Required)")]
    [InlineData("HTTP/1.0 401 Unauthorized\r\n\r\n", OutboundError.AuthenticationFailed, "requires authentication (HTTP/1.0 401 Unauthorized)")] // tinyproxy's BasicAuth
    [InlineData("HTTP/1.1 403 Forbidden\r\n\r\n", OutboundError.Rejected, "refused CONNECT example.com:443 (HTTP/1.1 403 Forbidden)")]
    [InlineData("HTTP/1.1 502 Bad Gateway\r\n\r\n", OutboundError.Unreachable, "502 Bad Gateway")]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\n\r\n", OutboundError.Unreachable, "503")]
    [InlineData("HTTP/1.1 504 Gateway Timeout\r\n\r\n", OutboundError.TimedOut, "504")]
    [InlineData("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 3\r\n\r\nno!", OutboundError.ProxyProtocolError, "405")]
    public async Task ConnectTcpAsync_RefusalStatus_MapsToError(string response, OutboundError expected, string text)
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send(response), Hold());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(expected, result.Error);
        Assert.Contains(text, result.Message);
        Assert.Contains($"HTTP proxy {server.EndPoint}", result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_407WithCredentials_SaysCredentialsRejected()
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"), Hold());

        var result = await Outbound(server, new ProxyCredentials("u", "wrong")).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.AuthenticationFailed, result.Error);
        Assert.Contains("rejected our credentials", result.Message);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n", "malformed status line 'HTTP/2 200 OK'")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n", "malformed status line")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n", "malformed status line")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", "malformed status line 'SSH-2.0-OpenSSH_9.2'")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line")]
    [InlineData("\r\n\r\n", "malformed status line ''")]
    [InlineData("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n", "malformed header line 'NoColonHere'")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed header line")]
    [InlineData("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", "folded header line")]
    [InlineData("HTTP/1.1 200 OK\r\n:x\r\n\r\n", "malformed header line")]
    public async Task ConnectTcpAsync_MalformedHead_ProxyProtocolError(string response, string expected)
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send(response), Hold());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.ProxyProtocolError, result.Error);
        Assert.Contains(expected, result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_HeadOver8KiB_ProxyProtocolError()
    {
        var huge = "HTTP/1.1 200 OK\r\nX-Padding: " + new string('p', 9000) + "\r\n\r\n";
        await using var server = ScriptedServer.Start(ExpectHead(), Send(huge), Hold());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.ProxyProtocolError, result.Error);
        Assert.Contains("longer than 8192 bytes", result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_HeadSplitAcrossSegments_Parses()
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send("HTTP/1.1 200 OK\r"), Send("\n\r"), Send("\nX"), Close());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        Assert.Equal("X"u8.ToArray(), await ProxyTestSupport.ReadToEndAsync(connection, ProxyTestSupport.Timeout()));
    }

    [Theory]
    [InlineData("", "closed the connection without answering CONNECT")]
    [InlineData("HTTP/1.1 200 OK\r\n", "closed the connection before the end of its response head (after 17 bytes)")]
    public async Task ConnectTcpAsync_ClosedEarly_ProxyProtocolError(string partial, string expected)
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Send(partial), Close());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.ProxyProtocolError, result.Error);
        Assert.Contains(expected, result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_NoAnswer_TimesOut()
    {
        await using var server = ScriptedServer.Start(ExpectHead(), Hold());

        var result = await Outbound(server, timeoutSeconds: 0.3).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.TimedOut, result.Error);
        Assert.Contains("did not answer CONNECT", result.Message);
    }

    [Fact]
    public void Constructor_UserNameWithColon_Throws()
    {
        Assert.Throws<ArgumentException>(() => new HttpConnectOutbound(ProxyDestination.FromAddress(IPAddress.Loopback, 1), new ProxyCredentials("a:b", "c"), ProxyTestSupport.Options(), ProxyTestSupport.Logger));
    }
}

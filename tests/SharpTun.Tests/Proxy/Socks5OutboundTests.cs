using System.Diagnostics;
using System.Net;
using System.Text;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;
using static SharpTun.Tests.Proxy.ScriptedServer.Script;

namespace SharpTun.Tests.Proxy;

public sealed class Socks5OutboundTests
{
    private static readonly byte[] NoAuthGreeting = [0x05, 0x01, 0x00];
    private static readonly byte[] ChooseNoAuth = [0x05, 0x00];
    private static readonly byte[] SucceededIPv4 = [0x05, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x12, 0x34];

    private static Socks5Outbound Outbound(ScriptedServer server, ProxyCredentials? credentials = null, double timeoutSeconds = 3) =>
        new(server.Destination, credentials, ProxyTestSupport.Options(timeoutSeconds), ProxyTestSupport.Logger);

    private static ProxyDestination Target => ProxyDestination.FromAddress(IPAddress.Parse("192.0.2.1"), 80);

    [Fact]
    public async Task ConnectTcpAsync_NoAuthIPv4_SendsExactRequestAndTunnels()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(10), Send(SucceededIPv4), Echo());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        Assert.Equal("hello"u8.ToArray(), await ProxyTestSupport.RoundTripAsync(connection, "hello"u8.ToArray()));
        await server.Completion;
        Assert.Equal([.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x01, 192, 0, 2, 1, 0x00, 80], server.Received);
    }

    [Fact]
    public async Task ConnectTcpAsync_IPv6_SendsAtyp4()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(22), Send(SucceededIPv4), Close());
        var target = ProxyDestination.FromAddress(IPAddress.Parse("2001:db8::5"), 443);

        var result = await Outbound(server).ConnectTcpAsync(target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
        await server.Completion;
        Assert.Equal([.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x01, 0xbb], server.Received);
    }

    [Fact]
    public async Task ConnectTcpAsync_IPv4MappedIPv6_SendsAtyp1()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(10), Send(SucceededIPv4), Close());
        var target = ProxyDestination.FromAddress(IPAddress.Parse("::ffff:10.1.2.3"), 8080);

        var result = await Outbound(server).ConnectTcpAsync(target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
        await server.Completion;
        Assert.Equal([0x05, 0x01, 0x00, 0x01, 10, 1, 2, 3, 0x1f, 0x90], server.Received[3..]);
    }

    [Fact]
    public async Task ConnectTcpAsync_Domain_SendsNameNotAddress()
    {
        var name = "example.com";
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(4 + 1 + name.Length + 2), Send(SucceededIPv4), Close());

        var result = await Outbound(server).ConnectTcpAsync(ProxyDestination.FromDomain(name, 443), ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
        await server.Completion;
        Assert.Equal([0x05, 0x01, 0x00, 0x03, (byte)name.Length, .. Encoding.ASCII.GetBytes(name), 0x01, 0xbb], server.Received[3..]);
    }

    public static TheoryData<byte[]> BoundAddressReplies => new()
    {
        { [0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x04, 0x38] },
        { [0x05, 0x00, 0x00, 0x04, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x04, 0x38] },
        { [0x05, 0x00, 0x00, 0x03, 5, (byte)'r', (byte)'e', (byte)'l', (byte)'a', (byte)'y', 0x04, 0x38] },
        { [0x05, 0x00, 0x07, 0x01, 10, 0, 0, 1, 0x04, 0x38] }, // RSV is not checked
    };

    [Theory]
    [MemberData(nameof(BoundAddressReplies))]
    public async Task ConnectTcpAsync_BoundAddressOfEveryType_ConsumesExactlyTheReply(byte[] reply)
    {
        // The first tunnelled bytes arrive in the same segment as the reply: none may be lost.
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(10), Send([.. reply, .. "early"u8]), Close());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        Assert.Equal("early"u8.ToArray(), await ProxyTestSupport.ReadToEndAsync(connection, ProxyTestSupport.Timeout()));
    }

    [Fact]
    public async Task ConnectTcpAsync_UsernamePassword_Authenticates()
    {
        await using var server = ScriptedServer.Start(Expect(4), Send(0x05, 0x02), Expect(1 + 1 + 4 + 1 + 6), Send(0x01, 0x00), Expect(10), Send(SucceededIPv4), Close());

        var result = await Outbound(server, new ProxyCredentials("user", "secret")).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
        await server.Completion;
        Assert.Equal([0x05, 0x02, 0x00, 0x02, 0x01, 4, .. "user"u8, 6, .. "secret"u8], server.Received[..17]);
    }

    [Fact]
    public async Task ConnectTcpAsync_CredentialsButServerChoosesNoAuth_Connects()
    {
        await using var server = ScriptedServer.Start(Expect(4), Send(ChooseNoAuth), Expect(10), Send(SucceededIPv4), Close());

        var result = await Outbound(server, new ProxyCredentials("user", "secret")).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
    }

    [Fact]
    public async Task ConnectTcpAsync_AuthStatusVersion5_Accepted()
    {
        await using var server = ScriptedServer.Start(Expect(4), Send(0x05, 0x02), Expect(5), Send(0x05, 0x00), Expect(10), Send(SucceededIPv4), Close());

        var result = await Outbound(server, new ProxyCredentials("u", "p")).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
    }

    [Fact]
    public async Task ConnectTcpAsync_AuthRejected_AuthenticationFailed()
    {
        await using var server = ScriptedServer.Start(Expect(4), Send(0x05, 0x02), Expect(5), Send(0x01, 0x01), Close());

        var result = await Outbound(server, new ProxyCredentials("u", "p")).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.AuthenticationFailed, result.Error);
        Assert.Contains("rejected the user name 'u'", result.Message);
        Assert.Contains(server.EndPoint.ToString(), result.Message);
    }

    [Theory]
    [InlineData(false, "requires authentication (give user:pass in the proxy URL)")]
    [InlineData(true, "accepts neither")]
    public async Task ConnectTcpAsync_NoAcceptableMethod_AuthenticationFailed(bool withCredentials, string expected)
    {
        await using var server = ScriptedServer.Start(Expect(withCredentials ? 4 : 3), Send(0x05, 0xff), Close());
        var credentials = withCredentials ? new ProxyCredentials("u", "p") : null;

        var result = await Outbound(server, credentials).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.AuthenticationFailed, result.Error);
        Assert.Contains(expected, result.Message);
    }

    [Theory]
    [InlineData(0x01, OutboundError.NetworkError, "general SOCKS server failure")]
    [InlineData(0x02, OutboundError.Rejected, "connection not allowed by ruleset")]
    [InlineData(0x03, OutboundError.Unreachable, "network unreachable")]
    [InlineData(0x04, OutboundError.Unreachable, "host unreachable")]
    [InlineData(0x05, OutboundError.Refused, "connection refused")]
    [InlineData(0x06, OutboundError.TimedOut, "TTL expired")]
    [InlineData(0x07, OutboundError.ProxyProtocolError, "command not supported")]
    [InlineData(0x08, OutboundError.ProxyProtocolError, "address type not supported")]
    [InlineData(0x09, OutboundError.ProxyProtocolError, "unassigned reply code")]
    [InlineData(0xff, OutboundError.ProxyProtocolError, "unassigned reply code")]
    public async Task ConnectTcpAsync_ReplyCode_MapsToError(byte code, OutboundError expected, string description)
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(10), Send(0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0), Close());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(expected, result.Error);
        Assert.Contains($"'{description}' (0x{code:x2}) for 192.0.2.1:80", result.Message);
    }

    public static TheoryData<byte[], byte[], string> MalformedReplies => new()
    {
        { [0x04, 0x00], [], "answered the greeting with version 0x04" },
        { [0x05, 0x02], [], "chose method 0x02, which we did not offer" },
        { [0x05, 0x80], [], "chose method 0x80" },
        { ChooseNoAuth, [0x04, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0], "replied with version 0x04" },
        { ChooseNoAuth, [0x05, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0], "unknown address type 0x02" },
        { ChooseNoAuth, [0x05, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0], "unknown address type 0x00" },
        { ChooseNoAuth, [0x05, 0x00, 0x00, 0x03, 0, 0, 0], "empty domain name" },
        { ChooseNoAuth, [0x05, 0x00, 0x00, 0x03, 3, (byte)'a', (byte)' ', (byte)'b', 0, 0], "bound domain name that contains the character ' '" },
        { ChooseNoAuth, [0x05, 0x00, 0x00, 0x03, 2, 0xc3, 0xa4, 0, 0], "bound domain name that is not ASCII" },
    };

    [Theory]
    [MemberData(nameof(MalformedReplies))]
    public async Task ConnectTcpAsync_MalformedReply_ProxyProtocolError(byte[] methodReply, byte[] reply, string expected)
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(methodReply), Expect(10), Send(reply), Hold());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.ProxyProtocolError, result.Error);
        Assert.Contains(expected, result.Message);
    }

    public static TheoryData<byte[]> CompleteReplies => new()
    {
        { SucceededIPv4 },
        { [0x05, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x04, 0x38] },
        { [0x05, 0x00, 0x00, 0x03, 3, (byte)'a', (byte)'.', (byte)'b', 0x04, 0x38] },
    };

    [Theory]
    [MemberData(nameof(CompleteReplies))]
    public async Task ConnectTcpAsync_ReplyTruncatedAtEveryLength_ProxyProtocolError(byte[] reply)
    {
        // The server's whole side is method reply + request reply; cut it after every byte and close.
        byte[] all = [.. ChooseNoAuth, .. reply];
        for (var cut = 0; cut < all.Length; cut++)
        {
            var steps = cut < 2
                ? new[] { Expect(3), Send(all[..cut]), Close() }
                : [Expect(3), Send(ChooseNoAuth), Expect(10), Send(all[2..cut]), Close()];
            await using var server = ScriptedServer.Start(steps);

            var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

            Assert.True(result.Error == OutboundError.ProxyProtocolError, $"cut at {cut}: {result}");
            Assert.Contains("closed the connection", result.Message);
        }
    }

    [Fact]
    public async Task ConnectTcpAsync_ServerClosesAfterGreeting_NamesTheWait()
    {
        await using var server = ScriptedServer.Start(Expect(3), Close());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.ProxyProtocolError, result.Error);
        Assert.Contains("closed the connection while we waited for the method selection reply", result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_ServerResets_NetworkError()
    {
        await using var server = ScriptedServer.Start(Expect(3), Reset());

        var result = await Outbound(server).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.NetworkError, result.Error);
        Assert.Contains("connection reset", result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_ServerNeverAnswers_TimesOutInBoundedTime()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(ChooseNoAuth), Expect(10), Hold());
        var clock = Stopwatch.StartNew();

        var result = await Outbound(server, timeoutSeconds: 0.3).ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.TimedOut, result.Error);
        Assert.Contains("waiting for the reply to our request", result.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ConnectTcpAsync_ServerNotListening_Refused()
    {
        var server = ProxyDestination.FromAddress(IPAddress.Loopback, ProxyTestSupport.FreeTcpPort());
        var outbound = new Socks5Outbound(server, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(Target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.Refused, result.Error);
        Assert.Contains($"SOCKS5 server {server}", result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_CallerCancels_Throws()
    {
        await using var server = ScriptedServer.Start(Expect(3), Hold());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Outbound(server).ConnectTcpAsync(Target, cancel.Token));
    }

    [Fact]
    public void Constructor_CredentialOver255Bytes_Throws()
    {
        var server = ProxyDestination.FromAddress(IPAddress.Loopback, 1080);

        Assert.Throws<ArgumentException>(() => new Socks5Outbound(server, new ProxyCredentials(new string('u', 256), "p"), ProxyTestSupport.Options(), ProxyTestSupport.Logger));
    }
}

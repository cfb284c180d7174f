using System.Net;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;

namespace SharpTun.Tests.Proxy;

/// <summary>
/// Socks5Outbound against real servers from Debian: microsocks (CONNECT, optional
/// username/password) and dante-server (CONNECT and UDP ASSOCIATE). Everything stays on 127.0.0.1.
/// </summary>
public sealed class Socks5InteropTests
{
    private static Socks5Outbound Outbound(ExternalSocksServer server, ProxyCredentials? credentials = null) =>
        new(server.Destination, credentials, ProxyTestSupport.Options(5), ProxyTestSupport.Logger);

    /// <summary>
    /// Sends 200 KB through the server to the echo and reads it back. With <paramref name="halfClose"/>
    /// the client then finishes sending and expects the echo to finish too; microsocks closes both
    /// directions when one ends (no half-close), so for it the client reads exactly what it sent.
    /// </summary>
    private static async Task AssertRoundTripAsync(IOutbound outbound, ProxyDestination target, ExternalSocksServer server, bool halfClose)
    {
        var result = await outbound.ConnectTcpAsync(target, ProxyTestSupport.Timeout());
        Assert.True(result.IsSuccess, $"{result}\n{server.Output}");
        using var connection = result.Connection;
        var data = new byte[200_000];
        new Random(1928).NextBytes(data);

        var ct = ProxyTestSupport.Timeout();
        var sending = connection.SendAsync(data, ct).AsTask();
        var received = new byte[data.Length];
        for (var read = 0; read < received.Length;)
        {
            var n = await connection.ReceiveAsync(received.AsMemory(read), ct);
            Assert.True(n > 0, $"the echo ended after {read} of {received.Length} bytes\n{server.Output}");
            read += n;
        }
        await sending;
        Assert.Equal(data, received);
        if (halfClose)
        {
            connection.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Equal(0, await connection.ReceiveAsync(new byte[1], ct));
        }
    }

    [Fact]
    public async Task Microsocks_NoAuth_RoundTrips()
    {
        await using var echo = new LoopbackEchoServers();
        using var server = ExternalSocksServer.Microsocks();

        await AssertRoundTripAsync(Outbound(server), echo.Tcp, server, halfClose: false);
    }

    [Fact]
    public async Task Microsocks_UsernamePassword_RoundTrips()
    {
        await using var echo = new LoopbackEchoServers();
        using var server = ExternalSocksServer.Microsocks("sharp", "p@ss:w0rd");

        await AssertRoundTripAsync(Outbound(server, new ProxyCredentials("sharp", "p@ss:w0rd")), echo.Tcp, server, halfClose: false);
    }

    [Fact]
    public async Task Microsocks_WrongPassword_AuthenticationFailed()
    {
        await using var echo = new LoopbackEchoServers();
        using var server = ExternalSocksServer.Microsocks("sharp", "right");

        var result = await Outbound(server, new ProxyCredentials("sharp", "wrong")).ConnectTcpAsync(echo.Tcp, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.AuthenticationFailed, result.Error);
    }

    [Fact]
    public async Task Microsocks_AuthRequiredButNoCredentials_AuthenticationFailed()
    {
        await using var echo = new LoopbackEchoServers();
        using var server = ExternalSocksServer.Microsocks("sharp", "right");

        var result = await Outbound(server).ConnectTcpAsync(echo.Tcp, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.AuthenticationFailed, result.Error);
        Assert.Contains("requires authentication", result.Message);
    }

    [Fact]
    public async Task Microsocks_TargetNotListening_Refused()
    {
        using var server = ExternalSocksServer.Microsocks();
        var target = ProxyDestination.FromAddress(IPAddress.Loopback, ProxyTestSupport.FreeTcpPort());

        var result = await Outbound(server).ConnectTcpAsync(target, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.Refused, result.Error);
    }

    [Fact]
    public async Task Dante_Connect_RoundTrips()
    {
        await using var echo = new LoopbackEchoServers();
        using var server = ExternalSocksServer.Dante();

        await AssertRoundTripAsync(Outbound(server), echo.Tcp, server, halfClose: true);
    }

    [Fact]
    public async Task Dante_TargetNotListening_Refused()
    {
        using var server = ExternalSocksServer.Dante();
        var target = ProxyDestination.FromAddress(IPAddress.Loopback, ProxyTestSupport.FreeTcpPort());

        var result = await Outbound(server).ConnectTcpAsync(target, ProxyTestSupport.Timeout());

        Assert.True(result.Error == OutboundError.Refused, $"{result}\n{server.Output}");
    }

    [Fact]
    public async Task Dante_UdpAssociate_RoundTrips()
    {
        await using var echo = new LoopbackEchoServers();
        using var server = ExternalSocksServer.Dante();
        var ct = ProxyTestSupport.Timeout();

        var result = await Outbound(server).OpenUdpAssociationAsync(ct);

        Assert.True(result.IsSuccess, $"{result}\n{server.Output}");
        await using var association = result.Association;
        var buffer = new byte[65536];
        for (var i = 0; i < 5; i++)
        {
            var payload = new byte[100 + i * 300];
            new Random(i).NextBytes(payload);
            Assert.True(await association.SendAsync(echo.Udp, payload, ct));

            var reply = await association.ReceiveAsync(buffer, ct);

            Assert.False(reply.IsClosed, server.Output);
            Assert.Equal(echo.Udp, reply.Source);
            Assert.Equal(payload, buffer[..reply.Length]);
        }
        Assert.Equal(0, association.DroppedDatagrams);
    }
}

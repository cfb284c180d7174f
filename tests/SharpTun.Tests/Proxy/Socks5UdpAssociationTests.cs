using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;
using static SharpTun.Tests.Proxy.ScriptedServer.Script;

namespace SharpTun.Tests.Proxy;

public sealed class Socks5UdpAssociationTests
{
    private static readonly byte[] AssociateRequest = [0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0];

    private static byte[] ReplyBound(IPAddress address, int port) =>
        [0x05, 0x00, 0x00, 0x01, .. address.GetAddressBytes(), (byte)(port >> 8), (byte)port];

    [Fact]
    public async Task OpenUdpAssociationAsync_UnspecifiedRelay_UsesServerAddressAndRelaysBothWays()
    {
        using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var relayPort = ((IPEndPoint)relay.LocalEndPoint!).Port;
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(ReplyBound(IPAddress.Any, relayPort)), Hold(), Close());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);
        var ct = ProxyTestSupport.Timeout();

        var result = await outbound.OpenUdpAssociationAsync(ct);

        Assert.True(result.IsSuccess, result.ToString());
        await using var association = result.Association;
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, relayPort), association.RelayEndPoint);
        Assert.Equal([0x05, 0x01, 0x00, .. AssociateRequest], server.Received);

        // Client -> relay: header for the destination, then the payload.
        var target = ProxyDestination.FromDomain("dns.example", 53);
        Assert.True(await association.SendAsync(target, "query"u8.ToArray(), ct));
        var received = new byte[1024];
        var from = new IPEndPoint(IPAddress.Any, 0);
        var got = await relay.ReceiveFromAsync(received, SocketFlags.None, from, ct);
        Assert.Equal([0x00, 0x00, 0x00, 0x03, 11, .. "dns.example"u8, 0x00, 0x35, .. "query"u8], received[..got.ReceivedBytes]);

        // Relay -> client: a fragment and a malformed datagram are dropped, then a good one arrives.
        var client = got.RemoteEndPoint;
        await relay.SendToAsync(new byte[] { 0x00, 0x00, 0x01, 0x01, 1, 2, 3, 4, 0x00, 0x35, 0xee }, SocketFlags.None, client, ct);
        await relay.SendToAsync(new byte[] { 0x00, 0x00, 0x00, 0x09 }, SocketFlags.None, client, ct);
        byte[] answer = [0x00, 0x00, 0x00, 0x01, 9, 9, 9, 9, 0x00, 0x35, .. "answer"u8];
        await relay.SendToAsync(answer, SocketFlags.None, client, ct);

        var reply = await association.ReceiveAsync(received, ct);

        Assert.False(reply.IsClosed);
        Assert.Equal(ProxyDestination.FromAddress(IPAddress.Parse("9.9.9.9"), 53), reply.Source);
        Assert.Equal("answer"u8.ToArray(), received[..reply.Length]);
        Assert.Equal(2, association.DroppedDatagrams);

        // The server closing the control connection ends the association.
        server.Release();
        var end = await association.ReceiveAsync(received, ct);
        Assert.True(end.IsClosed);
        Assert.True(association.IsClosed);
        Assert.False(await association.SendAsync(target, "late"u8.ToArray(), ct));
    }

    [Fact]
    public async Task OpenUdpAssociationAsync_SpecificRelay_UsesBoundAddress()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(ReplyBound(IPAddress.Parse("127.0.0.2"), 4000)), Hold());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        var result = await outbound.OpenUdpAssociationAsync(ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        await using var association = result.Association;
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 4000), association.RelayEndPoint);
    }

    [Fact]
    public async Task DisposeAsync_PendingReceive_ReturnsClosed()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(ReplyBound(IPAddress.Loopback, 4000)), Hold());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);
        var result = await outbound.OpenUdpAssociationAsync(ProxyTestSupport.Timeout());
        Assert.True(result.IsSuccess, result.ToString());
        var association = result.Association;
        var pending = association.ReceiveAsync(new byte[1500], ProxyTestSupport.Timeout()).AsTask();

        await association.DisposeAsync();

        Assert.True((await pending.WaitAsync(TimeSpan.FromSeconds(5))).IsClosed);
    }

    [Theory]
    [InlineData(0x07, OutboundError.ProxyProtocolError, "command not supported")]
    [InlineData(0x02, OutboundError.Rejected, "not allowed by ruleset")]
    public async Task OpenUdpAssociationAsync_ServerRefuses_Failure(byte code, OutboundError expected, string text)
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0), Hold());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        var result = await outbound.OpenUdpAssociationAsync(ProxyTestSupport.Timeout());

        Assert.Equal(expected, result.Error);
        Assert.Contains(text, result.Message);
    }

    [Fact]
    public async Task OpenUdpAssociationAsync_RelayPortZero_ProxyProtocolError()
    {
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(ReplyBound(IPAddress.Loopback, 0)), Hold());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        var result = await outbound.OpenUdpAssociationAsync(ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.ProxyProtocolError, result.Error);
        Assert.Contains("port 0", result.Message);
    }
}

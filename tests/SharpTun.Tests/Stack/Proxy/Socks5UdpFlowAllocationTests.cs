using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy.Outbounds.Socks5;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;
using SharpTun.Tests.Proxy;
using SharpTun.Tests.Tun;
using static SharpTun.Tests.Proxy.ScriptedServer.Script;

namespace SharpTun.Tests.Stack.Proxy;

/// <summary>Once its association is open, a SOCKS5 UDP flow sends and receives datagrams without allocating.</summary>
public sealed class Socks5UdpFlowAllocationTests
{
    private const int Datagrams = 400, Burst = 20;

    private static readonly NatEndpoint App = NatEndpoint.V4(0x0a4d0002, 5353);
    private static readonly NatEndpoint Destination = NatEndpoint.V4(0x0a010203, 53);

    [Fact]
    public async Task SendAndReceive_AfterOpening_AllocateNothingPerDatagram()
    {
        using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        relay.ReceiveBufferSize = 1 << 20;
        var relayPort = ((IPEndPoint)relay.LocalEndPoint!).Port;
        byte[] bound = [0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, (byte)(relayPort >> 8), (byte)relayPort];
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(bound), Hold(), Close());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);
        var tun = new AllocationRecordingTunQueue(Datagrams);
        using var flow = new Socks5UdpFlow(App, tun, outbound, ProxyTestSupport.Logger);
        var ct = ProxyTestSupport.Timeout();

        // The first datagram is held until the association opens, then reaches the relay.
        var payload = new ArraySegment<byte>(new byte[64]);
        Assert.True(flow.Send(Destination, payload));
        var received = new byte[2048];
        var from = await relay.ReceiveFromAsync(received, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), ct);

        // Sending: the TUN reader's call, on this thread.
        var sendBytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 100; i++)
                flow.Send(Destination, payload);
        });

        // Receiving: answers from 10.1.2.3:53 through the relay, written into the TUN by the flow's loop.
        byte[] answer = [0x00, 0x00, 0x00, 0x01, 10, 1, 2, 3, 0x00, 53, .. new byte[100]];
        // In bursts the loop finds queued, so it goes from one to the next without waiting.
        for (var sent = 0; sent < Datagrams; sent += Burst)
        {
            for (var i = 0; i < Burst; i++)
                await relay.SendToAsync(answer, SocketFlags.None, from.RemoteEndPoint, ct);
            while (tun.Count < sent + Burst)
                await Task.Delay(5, ct);
        }

        Assert.Equal(0, sendBytes);
        Assert.Equal(0, tun.FewestBytesBetweenWrites());
        server.Release();
    }
}

using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;
using SharpTun.Tests.Proxy;
using SharpTun.Tests.Tun;

namespace SharpTun.Tests.Stack.Proxy;

/// <summary>
/// A direct UDP association sends and receives datagrams without allocating, counters and
/// destination bookkeeping included, also once the app talks to more than one remote.
/// </summary>
public sealed class DirectUdpAssociationAllocationTests
{
    private const int Datagrams = 400, Burst = 20;

    private static readonly NatEndpoint App = NatEndpoint.V4(0x0a4d0002, 5353);

    [Fact]
    public async Task SendAndReceive_SecondDestination_AllocateNothingPerDatagram()
    {
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var remote = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        remote.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        remote.ReceiveBufferSize = 1 << 20;
        var tun = new AllocationRecordingTunQueue(Datagrams);
        using var association = new DirectUdpAssociation(App, tun, OutboundSocketOptions.None);
        var ct = ProxyTestSupport.Timeout();
        var payload = new ArraySegment<byte>(new byte[64]);
        var destination = NatEndpoint.FromIPEndPoint((IPEndPoint)remote.LocalEndPoint!);

        // The first destination is another remote, so every datagram below takes the path for the others.
        Assert.True(association.Send(NatEndpoint.FromIPEndPoint((IPEndPoint)first.LocalEndPoint!), payload));
        Assert.True(association.Send(destination, payload));
        var from = await remote.ReceiveFromAsync(new byte[2048], SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), ct);

        // Sending: the TUN reader's call, on this thread.
        var sendBytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 100; i++)
                association.Send(destination, payload);
        });

        // Receiving: answers written into the TUN by the association's loop; in bursts the loop
        // finds the next one queued and goes on without waiting.
        var answer = new byte[100];
        for (var sent = 0; sent < Datagrams; sent += Burst)
        {
            for (var i = 0; i < Burst; i++)
                await remote.SendToAsync(answer, SocketFlags.None, from.RemoteEndPoint, ct);
            while (tun.Count < sent + Burst)
                await Task.Delay(5, ct);
        }

        Assert.Equal(0, sendBytes);
        Assert.Equal(0, tun.FewestBytesBetweenWrites());
        Assert.Equal(302, association.DatagramsOut);
        Assert.Equal(Datagrams, association.DatagramsIn);
        Assert.Equal(Datagrams * 100L, association.BytesIn);
        Assert.Equal(1, association.Destinations.Others);
    }
}

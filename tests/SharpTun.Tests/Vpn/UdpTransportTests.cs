using System.Net;
using SharpTun.Tun;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class UdpTransportTests
{
    [Fact]
    public void SendAndReceive_BatchOverLoopback_V4AndV6()
    {
        using var a = UdpTransport.Open(0);
        using var b = UdpTransport.Open(0);
        Assert.NotEqual(0, a.LocalPort);
        var datagrams = new PacketBuffer[10];
        var destinations = new WireGuardEndpoint[10];
        for (var i = 0; i < datagrams.Length; i++)
        {
            datagrams[i] = new PacketBuffer(2000, 16) { Length = 100 + i };
            datagrams[i].Packet.Fill((byte)i);
            destinations[i] = WireGuardEndpoint.From(new IPEndPoint(i % 2 == 0 ? IPAddress.Loopback : IPAddress.IPv6Loopback, b.LocalPort));
        }
        a.Send(datagrams, destinations);

        var received = new PacketBuffer[16];
        for (var i = 0; i < received.Length; i++)
            received[i] = new PacketBuffer(2000, 0);
        var sources = new WireGuardEndpoint[16];
        var got = new List<(byte[] Data, WireGuardEndpoint Source)>();
        while (got.Count < 10)
        {
            var count = b.Receive(received, sources);
            Assert.NotEqual(0, count);
            for (var i = 0; i < count; i++)
                got.Add((received[i].Packet.ToArray(), sources[i]));
        }
        for (var i = 0; i < 10; i++)
        {
            var (data, source) = Assert.Single(got, g => g.Data.Length == 100 + i);
            Assert.All(data, x => Assert.Equal((byte)i, x));
            Assert.Equal(a.LocalPort, source.Port);
            Assert.Equal(i % 2 == 0, source.IsIPv4);
        }
    }

    [Fact]
    public void Receive_ReturnsZeroAfterClose_FromAnotherThread()
    {
        using var transport = UdpTransport.Open(0);
        var result = -1;
        var receiver = new Thread(() => result = transport.Receive(new[] { new PacketBuffer(100, 0) }, new WireGuardEndpoint[1]));
        receiver.Start();
        Thread.Sleep(50);
        transport.Close();
        Assert.True(receiver.Join(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, result);
    }

    [Fact]
    public void Send_UnreachableDestination_IsSkippedNotThrown()
    {
        using var a = UdpTransport.Open(0);
        using var b = UdpTransport.Open(0);
        var datagrams = new[] { new PacketBuffer(100, 0) { Length = 10 }, new PacketBuffer(100, 0) { Length = 20 } };
        // The kernel refuses port 0 (EINVAL): that datagram is skipped and the next one still goes.
        a.Send(datagrams, [WireGuardEndpoint.From(new IPEndPoint(IPAddress.Loopback, 0)), WireGuardEndpoint.From(new IPEndPoint(IPAddress.Loopback, b.LocalPort))]);
        var received = new[] { new PacketBuffer(100, 0) };
        var sources = new WireGuardEndpoint[1];
        Assert.Equal(1, b.Receive(received, sources));
        Assert.Equal(20, received[0].Length);
    }

    [Fact]
    public void Open_PortInUse_SaysSo()
    {
        using var first = UdpTransport.Open(0);
        var error = Assert.Throws<InvalidOperationException>(() => UdpTransport.Open(first.LocalPort));
        Assert.Contains("already in use", error.Message);
    }

    [Fact]
    public void Open_WithFwMark_MarksTheSocket_AndBuffersAreLarge()
    {
        using var transport = UdpTransport.Open(0, fwmark: 0x5354);
        Assert.Equal(0x5354, transport.ReadMark());
        Assert.True(transport.ReceiveBufferBytes >= UdpTransport.DefaultBufferBytes, $"receive buffer {transport.ReceiveBufferBytes}");
    }
}

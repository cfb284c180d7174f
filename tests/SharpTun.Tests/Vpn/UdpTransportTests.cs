using System.Net;
using SharpTun.TestSupport;
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

    /// <summary>21 datagrams to one destination: 20 of 1000 bytes and a last one of 300, each filled with its number.</summary>
    private static (PacketBuffer[] Datagrams, WireGuardEndpoint[] Destinations) Run(int port)
    {
        var datagrams = new PacketBuffer[21];
        var destinations = new WireGuardEndpoint[21];
        for (var i = 0; i < datagrams.Length; i++)
        {
            datagrams[i] = new PacketBuffer(1100, 32) { Length = i < 20 ? 1000 : 300 };
            datagrams[i].Offset = 32;
            datagrams[i].Packet.Fill((byte)i);
            destinations[i] = WireGuardEndpoint.From(new IPEndPoint(IPAddress.Loopback, port));
        }
        return (datagrams, destinations);
    }

    [Fact]
    public void SegmentedRun_ArrivesAsSeparateDatagrams_AtAPlainSocket()
    {
        using var a = UdpTransport.Open(0);
        using var plain = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        plain.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        plain.ReceiveTimeout = 5000;
        var (datagrams, destinations) = Run(((IPEndPoint)plain.LocalEndPoint!).Port);
        a.Send(datagrams, destinations);
        Assert.True(a.SendsSegmented, "this kernel has UDP GSO");
        var buffer = new byte[65536];
        for (var i = 0; i < 21; i++)
        {
            var length = plain.Receive(buffer);
            Assert.Equal(i < 20 ? 1000 : 300, length);
            Assert.All(buffer.AsSpan(0, length).ToArray(), b => Assert.Equal((byte)i, b));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void CoalescedRun_IsSplitBackIntoDatagrams_InOrder(int batch)
    {
        using var a = UdpTransport.Open(0);
        using var b = UdpTransport.Open(0);
        Assert.True(b.ReceivesCoalesced, "this kernel has UDP GRO");
        var (datagrams, destinations) = Run(b.LocalPort);
        a.Send(datagrams, destinations);
        var received = Enumerable.Range(0, batch).Select(_ => new PacketBuffer(2000, 0)).ToArray();
        var sources = new WireGuardEndpoint[batch];
        var next = 0;
        while (next < 21)
        {
            var count = b.Receive(received, sources);
            Assert.InRange(count, 1, batch);
            for (var i = 0; i < count; i++, next++)
            {
                Assert.Equal(next < 20 ? 1000 : 300, received[i].Length);
                Assert.All(received[i].Packet.ToArray(), x => Assert.Equal((byte)next, x));
                Assert.Equal(a.LocalPort, sources[i].Port);
            }
        }
    }

    [Fact]
    public void SendAndReceive_Batches_AllocateNothing()
    {
        using var a = UdpTransport.Open(0);
        using var b = UdpTransport.Open(0);
        var (datagrams, destinations) = Run(b.LocalPort);
        var received = Enumerable.Range(0, 64).Select(_ => new PacketBuffer(2000, 0)).ToArray();
        var sources = new WireGuardEndpoint[64];
        void Exchange()
        {
            for (var round = 0; round < 20; round++)
            {
                a.Send(datagrams, destinations);
                for (var got = 0; got < datagrams.Length;)
                    got += b.Receive(received, sources);
            }
        }
        Exchange();
        Assert.Equal(0, Allocations.FewestBytes(Exchange));
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

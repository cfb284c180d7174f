using System.Net;
using System.Net.Sockets;
using SharpTun.Tun;
using SharpTun.Vpn;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class TcpTransportTests
{
    private static WireGuardEndpoint Local(int port) => WireGuardEndpoint.From(new IPEndPoint(IPAddress.Loopback, port));

    private static PacketBuffer Message(byte fill, int length)
    {
        var buffer = new PacketBuffer(length + 16, 16) { Length = length };
        buffer.Packet.Fill(fill);
        return buffer;
    }

    /// <summary>Receives on a separate thread with a deadline (Receive blocks).</summary>
    private static List<(byte[] Data, WireGuardEndpoint Source)> ReceiveCount(IWireGuardTransport transport, int expected)
    {
        var got = new List<(byte[], WireGuardEndpoint)>();
        var buffers = Enumerable.Range(0, 8).Select(_ => new PacketBuffer(70_000, 0)).ToArray();
        var sources = new WireGuardEndpoint[8];
        var reader = new Thread(() =>
        {
            while (got.Count < expected)
            {
                var count = transport.Receive(buffers, sources);
                if (count == 0)
                    return;
                for (var i = 0; i < count; i++)
                    got.Add((buffers[i].Packet.ToArray(), sources[i]));
            }
        });
        reader.Start();
        if (!reader.Join(TimeSpan.FromSeconds(10)))
        {
            transport.Close();
            reader.Join();
        }
        return got;
    }

    [Fact]
    public void Send_DialsAndFramesMessages_ReplyGoesBackOverTheSameConnection()
    {
        using var a = TcpTransport.Open(0);
        using var b = TcpTransport.Open(0);
        // Sent before the connection exists: held and flushed once it connects, in order.
        a.Send([Message(1, 148), Message(2, 32), Message(3, 65535)], [Local(b.LocalPort), Local(b.LocalPort), Local(b.LocalPort)]);
        var atB = ReceiveCount(b, 3);
        Assert.Equal([148, 32, 65535], atB.Select(m => m.Data.Length));
        Assert.Equal([1, 2, 3], atB.Select(m => (int)m.Data[0]));
        Assert.All(atB, m => Assert.All(m.Data, x => Assert.Equal(m.Data[0], x)));
        var clientEndpoint = atB[0].Source;
        Assert.NotEqual(a.LocalPort, clientEndpoint.Port);

        b.Send([Message(9, 92)], [clientEndpoint]);
        var atA = Assert.Single(ReceiveCount(a, 1));
        Assert.Equal(92, atA.Data.Length);
        Assert.Equal(b.LocalPort, atA.Source.Port);
        Assert.Equal(1, a.ConnectionCount);
        Assert.Equal(1, b.ConnectionCount);
    }

    [Fact]
    public void Deliver_BeyondTheQueueCapacity_DropsTheRest_AndTheQueueTakesMessagesAgainOnceDrained()
    {
        using var transport = TcpTransport.Open(0);
        var source = Local(1);
        for (var i = 0; i < TcpTransport.ReceiveQueueCapacity + 10; i++)
            transport.Deliver([(byte)i, 1, 2], source);

        Assert.Equal(TcpTransport.ReceiveQueueCapacity, ReceiveCount(transport, TcpTransport.ReceiveQueueCapacity).Count);
        transport.Deliver([7], source);
        var again = Assert.Single(ReceiveCount(transport, 1));
        Assert.Equal([7], again.Data);
    }

    [Fact]
    public void Receive_WaitingForAMessage_WakesForOneDeliveredLater_AndForClose()
    {
        using var transport = TcpTransport.Open(0);
        var buffers = new[] { new PacketBuffer(100, 0) };
        var sources = new WireGuardEndpoint[1];
        var results = new List<int>();
        var reader = new Thread(() =>
        {
            results.Add(transport.Receive(buffers, sources));
            results.Add(transport.Receive(buffers, sources));
        });
        reader.Start();

        Thread.Sleep(100);
        transport.Deliver([42], Local(1));
        Thread.Sleep(100);
        transport.Close();

        Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "Receive did not return");
        Assert.Equal([1, 0], results);
    }

    [Fact]
    public void PeerRestarts_NextSendDialsAgain()
    {
        using var a = TcpTransport.Open(0);
        var b = TcpTransport.Open(0);
        var port = b.LocalPort;
        a.Send([Message(1, 10)], [Local(port)]);
        Assert.Single(ReceiveCount(b, 1));
        b.Dispose();
        Assert.True(DevicePair.Eventually(() => a.ConnectionCount == 0), "the broken connection is forgotten");

        using var again = TcpTransport.Open(port);
        a.Send([Message(2, 10)], [Local(port)]);
        var message = Assert.Single(ReceiveCount(again, 1));
        Assert.Equal(2, message.Data[0]);
    }

    [Fact]
    public void FramesSplitAcrossSegments_AreReassembled_AndAZeroLengthFrameEndsTheConnection()
    {
        using var a = TcpTransport.Open(0);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        raw.Connect(IPAddress.Loopback, a.LocalPort);
        byte[] frame = [0, 3, 7, 8, 9];
        foreach (var b in frame)
        {
            raw.Send([b]);
            Thread.Sleep(5);
        }
        var message = Assert.Single(ReceiveCount(a, 1));
        Assert.Equal([7, 8, 9], message.Data);

        raw.Send([0, 0]);
        Assert.True(DevicePair.Eventually(() => a.ConnectionCount == 0));
    }

    [Fact]
    public void Send_ToNobody_IsDroppedQuietly_AndTheFailedDialIsForgotten()
    {
        using var a = TcpTransport.Open(0);
        int port;
        using (var reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)reserved.LocalEndPoint!).Port;
            a.Send([Message(1, 10)], [Local(port)]);
            Assert.True(DevicePair.Eventually(() => a.ConnectionCount == 0), "refused: the dial is forgotten");
        }
        using var late = TcpTransport.Open(port);
        a.Send([Message(2, 10)], [Local(port)]);
        Assert.Equal(2, Assert.Single(ReceiveCount(late, 1)).Data[0]);
    }

    [Fact]
    public void Open_PortInUse_SaysSo()
    {
        using var first = TcpTransport.Open(0);
        var error = Assert.Throws<InvalidOperationException>(() => TcpTransport.Open(first.LocalPort));
        Assert.Contains("already in use", error.Message);
    }

    [Fact]
    public void TwoDevices_OverTcp_PingBothWays()
    {
        var keyA = WireGuardKey.GeneratePrivate();
        var keyB = WireGuardKey.GeneratePrivate();
        var tunA = new MemoryTunQueue();
        var tunB = new MemoryTunQueue();
        var transportB = TcpTransport.Open(0);
        using var b = WireGuardDevice.Start(new WireGuardDeviceOptions
        {
            PrivateKey = keyB,
            Peers = [new WireGuardPeerOptions { PublicKey = keyA.DerivePublic(), AllowedIps = [IPNetwork.Parse("10.0.0.1/32")] }],
        }, tunB, transportB);
        using var a = WireGuardDevice.Start(new WireGuardDeviceOptions
        {
            PrivateKey = keyA,
            Peers = [new WireGuardPeerOptions { PublicKey = keyB.DerivePublic(), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")], Endpoint = new IPEndPoint(IPAddress.Loopback, transportB.LocalPort) }],
        }, tunA, TcpTransport.Open(0));

        var request = DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1, 1300);
        Assert.True(tunA.TryInject(request));
        Assert.Equal(request, DevicePair.Take(tunB));
        var reply = DevicePair.Ping(DevicePair.AddressB, DevicePair.AddressA, 2);
        Assert.True(tunB.TryInject(reply));
        Assert.Equal(reply, DevicePair.Take(tunA));
    }
}

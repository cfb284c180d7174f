using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.Interop;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Tun;

public sealed class LinuxTunQueueTests
{
    private static readonly IPAddress TunAddress = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void Write_UdpPacket_DeliveredToSocketInNamespace()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = TunTestDevice.CreateUp(ns);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(TunAddress, 5000));
            socket.ReceiveTimeout = 5000;
            var packet = TestPackets.Ipv4Udp(Peer, 4000, TunAddress, 5000, "hello tun"u8);
            var buffer = new PacketBuffer(2048);
            packet.CopyTo(buffer.Array, buffer.Headroom);
            buffer.Length = packet.Length;

            Assert.Equal(1, device.Queues[0].Write([buffer]));

            var received = new byte[100];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            var length = socket.ReceiveFrom(received, ref from);
            Assert.Equal("hello tun", Encoding.ASCII.GetString(received, 0, length));
            Assert.Equal(new IPEndPoint(Peer, 4000), from);
        });
    }

    [Fact]
    public void Read_DatagramRoutedIntoTun_ReturnsThePacketAtHeadroom()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = TunTestDevice.CreateUp(ns);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.SendTo("out of the tun"u8, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 6000));
            var buffers = new[] { new PacketBuffer(2048), new PacketBuffer(2048) };

            var packet = TunTestDevice.ReadUntil(device.Queues[0], buffers, b => TestPackets.IsIpv4(b.Packet, TestPackets.Udp));

            Assert.Equal(PacketBuffer.DefaultHeadroom, packet.Offset);
            Assert.Equal(20 + 8 + 14, packet.Length);
            Assert.Equal("out of the tun", Encoding.ASCII.GetString(packet.Packet[28..]));
            Assert.Equal(new byte[] { 10, 0, 0, 9 }, packet.Packet[16..20].ToArray());
        });
    }

    [Fact]
    public void Read_SeveralQueuedPackets_ReturnsThemInOneBatch()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = TunTestDevice.CreateUp(ns);
            var batch = new PacketBuffer[64];
            for (var i = 0; i < batch.Length; i++)
                batch[i] = new PacketBuffer(2048);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            // Each send is queued on the TUN before SendTo returns (tun_net_xmit runs in the sender's context).
            for (var i = 0; i < 5; i++)
                socket.SendTo(new byte[] { (byte)i }, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 6000));

            var count = device.Queues[0].Read(batch);

            var payloads = batch.Take(count).Where(b => TestPackets.IsIpv4(b.Packet, TestPackets.Udp)).Select(b => b.Packet[28]).ToArray();
            Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, payloads);
        });
    }

    [Fact]
    public void Read_PacketLongerThanBuffer_IsTruncatedToTheBuffer()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = TunTestDevice.CreateUp(ns);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.SendTo(new byte[1000], new IPEndPoint(IPAddress.Parse("10.0.0.9"), 6000));
            var small = new PacketBuffer(64 + 100);

            var packet = TunTestDevice.ReadUntil(device.Queues[0], [small], b => b.Length >= 28 && TestPackets.IsIpv4(b.Packet, TestPackets.Udp));

            Assert.Equal(100, packet.Length);
            Assert.Equal(1028, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(packet.Packet[2..]));
        });
    }

    [Fact]
    public void Write_NotAnIpPacket_ThrowsEinvalExplainingWhy()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = TunTestDevice.CreateUp(ns);
            var buffer = new PacketBuffer(2048) { Length = 40 };
            buffer.Packet.Fill(0x11);
            var error = Assert.Throws<InteropException>(() => device.Queues[0].Write([buffer]));
            Assert.Equal(Errno.EINVAL, error.Errno);
            Assert.Contains("write of 40 bytes to TUN 'st0': Invalid argument (EINVAL)", error.Message);
            Assert.Contains("high nibble must be 4 or 6", error.Message);
        });
    }

    [Fact]
    public void Close_BlockedRead_ReturnsZeroAndLaterReadsToo()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            var queue = device.Queues[0];
            var result = -1;
            var reader = new Thread(() => result = queue.Read([new PacketBuffer(2048)]));
            reader.Start();
            Thread.Sleep(100);
            Assert.True(reader.IsAlive, "Read blocks while nothing is queued");

            queue.Close();

            Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "Close wakes the reader");
            Assert.Equal(0, result);
            Assert.Equal(0, queue.Read([new PacketBuffer(2048)]));
        });
    }

    [Fact]
    public void BusyPoll_PacketArrivingInsideTheWindow_IsReturned()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0", BusyPoll = TimeSpan.FromSeconds(30) });
            ns.Ip("addr add 10.0.0.1/24 dev st0");
            ns.Ip("link set st0 up");
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var sender = new Thread(() =>
            {
                Thread.Sleep(200);
                socket.SendTo("polled"u8, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 6000));
            });
            sender.Start();
            var buffers = new[] { new PacketBuffer(2048) };

            var packet = TunTestDevice.ReadUntil(device.Queues[0], buffers, b => TestPackets.IsIpv4(b.Packet, TestPackets.Udp));

            Assert.Equal("polled", Encoding.ASCII.GetString(packet.Packet[28..]));
            sender.Join();
        });
    }

    [Fact]
    public void Close_ReaderInsideBusyPollWindow_ReturnsZeroAtOnce()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0", BusyPoll = TimeSpan.FromMinutes(5) });
            var queue = device.Queues[0];
            var result = -1;
            var reader = new Thread(() => result = queue.Read([new PacketBuffer(2048)]));
            reader.Start();
            Thread.Sleep(100);

            queue.Close();

            Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "Close ends the busy-poll window");
            Assert.Equal(0, result);
        });
    }

    [Fact]
    public void Dispose_Twice_IsHarmless()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            device.Dispose();
            device.Dispose();
        });
    }

    [Fact]
    public void Read_EmptyBatch_Throws()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            Assert.Throws<ArgumentException>(() => device.Queues[0].Read([]));
        });
    }

    /// <summary>
    /// The hot path allocates nothing: 10,000 echo requests written into the TUN and the kernel's
    /// replies read back, after a warm-up, with the current thread's allocation counter unchanged.
    /// </summary>
    [Fact]
    public void WriteRead_TenThousandRoundTrips_AllocatesNothing()
    {
        using var ns = TestNamespace.Create();
        var allocated = ns.RunInside(() =>
        {
            using var device = TunTestDevice.CreateUp(ns);
            var queue = device.Queues[0];
            var request = new PacketBuffer(2048);
            var echo = TestPackets.Ipv4EchoRequest(Peer, TunAddress, identifier: 7, payloadLength: 56);
            echo.CopyTo(request.Array, request.Headroom);
            request.Length = echo.Length;
            var requests = new[] { request };
            var replies = new PacketBuffer[8];
            for (var i = 0; i < replies.Length; i++)
                replies[i] = new PacketBuffer(2048);

            RoundTrips(queue, requests, replies, 1_000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            RoundTrips(queue, requests, replies, 10_000);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }

    private static void RoundTrips(ITunQueue queue, PacketBuffer[] requests, PacketBuffer[] replies, int count)
    {
        var start = Stopwatch.GetTimestamp();
        for (var trip = 0; trip < count; trip++)
        {
            if (queue.Write(requests) != 1)
                throw new InvalidOperationException("the kernel did not take the echo request");
            var answered = false;
            while (!answered)
            {
                var read = queue.Read(replies);
                for (var i = 0; i < read; i++)
                    answered |= TestPackets.IsIpv4(replies[i].Packet, TestPackets.Icmp, icmpType: 0);
            }
        }
        Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(60), "round trips took too long");
    }
}

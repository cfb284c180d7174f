using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.TestSupport;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Tests.Tun;

public sealed class TunOffloadTests
{
    private static readonly IPAddress TunAddress = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void VirtioNetHeader_KnownBytes_RoundTrip()
    {
        // A TSO IPv4 super-packet as tun_put_user reports it: NEEDS_CSUM, GSO_TCPV4, 52 header bytes,
        // 1448-byte segments, checksum at 20 + 16.
        byte[] bytes = [0x01, 0x01, 0x34, 0x00, 0xa8, 0x05, 0x14, 0x00, 0x10, 0x00];
        var header = VirtioNetHeader.Read(bytes);

        Assert.Equal(new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, 52, 1448, 20, 16), header);
        Assert.True(header.NeedsChecksum);
        Assert.True(header.IsGso);
        var written = new byte[VirtioNetHeader.Size];
        header.Write(written);
        Assert.Equal(bytes, written);
        Assert.False(default(VirtioNetHeader).NeedsChecksum);
        Assert.False(default(VirtioNetHeader).IsGso);
        Assert.False(new VirtioNetHeader(0, VirtioNetHeader.GsoEcn, 0, 0, 0, 0).IsGso);
    }

    [Fact]
    public void Read_UdpFromLocalSocket_ArrivesWithPartialChecksumHeader()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = CreateUp(ns);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.SendTo("offloaded"u8, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 6000));
            var buffers = new[] { new PacketBuffer(2048), new PacketBuffer(2048) };

            var packet = TunTestDevice.ReadUntil(device.Queues[0], buffers, b => TestPackets.IsIpv4(b.Packet, TestPackets.Udp));

            // The device has NETIF_F_HW_CSUM now, so the UDP checksum is left to "the hardware": us.
            Assert.Equal(PacketBuffer.DefaultHeadroom, packet.Offset);
            Assert.True(packet.Offload.NeedsChecksum);
            Assert.Equal(20, packet.Offload.ChecksumStart);
            Assert.Equal(6, packet.Offload.ChecksumOffset);
            Assert.Equal("offloaded", Encoding.ASCII.GetString(packet.Packet[28..]));
        });
    }

    [Fact]
    public void Write_PartialChecksum_IsCompletedByTheKernelOnlyWhenTheHeaderSaysSo()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = CreateUp(ns);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(TunAddress, 5000));
            socket.ReceiveTimeout = 500;
            var received = new byte[100];

            // Without NEEDS_CSUM the pseudo-header-only checksum is wrong, and the kernel drops the datagram.
            Assert.Equal(1, device.Queues[0].Write([PartialChecksumPacket("dropped", needsChecksum: false)]));
            Assert.Throws<SocketException>(() => socket.Receive(received));

            Assert.Equal(1, device.Queues[0].Write([PartialChecksumPacket("completed", needsChecksum: true)]));
            var length = socket.Receive(received);
            Assert.Equal("completed", Encoding.ASCII.GetString(received, 0, length));
        });
    }

    private static PacketBuffer PartialChecksumPacket(string text, bool needsChecksum)
    {
        var packet = TestPackets.Ipv4Udp(Peer, 4000, TunAddress, 5000, Encoding.ASCII.GetBytes(text));
        var ip = Ipv4Packet.CreateUnchecked(packet);
        UdpDatagram.CreateUnchecked(ip.Payload).Checksum = (ushort)~Checksum.Fold(ip.PseudoHeaderSum());
        var buffer = new PacketBuffer(2048)
        {
            Length = packet.Length,
            Offload = needsChecksum ? new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoNone, 0, 0, 20, 6) : default,
        };
        packet.CopyTo(buffer.Array, buffer.Headroom);
        return buffer;
    }

    private static LinuxTunDevice CreateUp(TestNamespace ns)
    {
        var device = LinuxTunDevice.Create(new TunOptions { Name = "st0", Offload = true });
        ns.Ip("addr add 10.0.0.1/24 dev st0");
        ns.Ip("link set st0 up");
        return device;
    }
}

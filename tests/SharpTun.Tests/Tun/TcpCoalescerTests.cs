using System.Buffers.Binary;
using SharpTun.Stack.Nat;
using SharpTun.TestSupport;
using SharpTun.Tests.Stack.Nat;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Tests.Tun;

public sealed class TcpCoalescerTests
{
    private static readonly NatEndpoint Client = NatPackets.Endpoint("10.7.0.2", 40000);
    private static readonly NatEndpoint Server = NatPackets.Endpoint("10.7.0.1", 5201);
    private static readonly NatEndpoint Other = NatPackets.Endpoint("10.7.0.3", 40001);
    private static readonly NatEndpoint Client6 = NatPackets.Endpoint("fd00:7::2", 40000);
    private static readonly NatEndpoint Server6 = NatPackets.Endpoint("fd00:7::1", 5201);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Coalesce_SegmentsOfOneSuperPacket_GiveItBack(bool ipv6)
    {
        var original = NatPackets.Tcp(ipv6 ? Client6 : Client, ipv6 ? Server6 : Server, TcpFlags.Ack | TcpFlags.Psh, 7000, 99, payloadLength: 5000);
        var packets = Segments(original, gsoSize: 1400, ipv6);
        Assert.Equal(4, packets.Length);

        Assert.Equal(1, TcpCoalescer.Coalesce(packets));

        var merged = packets[0];
        var ipHeader = ipv6 ? 40 : 20;
        Assert.Equal(new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, ipv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
            (ushort)(ipHeader + 20), 1400, (ushort)ipHeader, 16), merged.Offload);
        var bytes = merged.Packet.ToArray();
        NatPackets.CompletePartialChecksum(bytes);
        if (!ipv6)
            Ipv4Packet.CreateUnchecked(bytes).Identification = Ipv4Packet.CreateUnchecked(original).Identification;
        Ipv4OrNot(ipv6, bytes);
        Assert.Equal(original, bytes);
    }

    [Fact]
    public void Coalesce_TwoFlowsBackToBack_MakesOneSuperPacketEach_InterleavedNone()
    {
        var a = Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1, 1, payloadLength: 2000), 1000, false);
        var b = Segments(NatPackets.Tcp(Other, Server, TcpFlags.Ack, 1, 1, payloadLength: 2000), 1000, false);

        PacketBuffer[] backToBack = [.. a, .. b];
        Assert.Equal(2, TcpCoalescer.Coalesce(backToBack));
        Assert.Equal([2040, 2040], backToBack[..2].Select(p => p.Length));

        var c = Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1, 1, payloadLength: 2000), 1000, false);
        var d = Segments(NatPackets.Tcp(Other, Server, TcpFlags.Ack, 1, 1, payloadLength: 2000), 1000, false);
        PacketBuffer[] interleaved = [c[0], d[0], c[1], d[1]];
        Assert.Equal(4, TcpCoalescer.Coalesce(interleaved));
        Assert.All(interleaved, p => Assert.Equal(default, p.Offload));
    }

    public static TheoryData<string> NotJoined =>
        ["sequence gap", "other ack", "other window", "syn", "bad checksum", "other options", "longer than the first", "after psh", "no room", "udp", "other ttl"];

    [Theory]
    [MemberData(nameof(NotJoined))]
    public void Coalesce_SecondSegmentBreaksARule_NothingIsJoined(string rule)
    {
        var packets = Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1, 1, payloadLength: 2000), 1000, false);
        var second = packets[1].Packet;
        var tcp = TcpSegment.CreateUnchecked(second[20..]);
        switch (rule)
        {
            case "sequence gap": tcp.SequenceNumber += 1; break;
            case "other ack": tcp.AcknowledgmentNumber += 1; break;
            case "other window": tcp.WindowSize -= 1; break;
            case "syn": tcp.Flags |= TcpFlags.Syn; break;
            case "bad checksum": second[^1] ^= 0xFF; goto keepChecksum;
            case "other options":
                packets = [Copy(WithOptions(packets[0].Packet.ToArray(), 1)), Copy(WithOptions(second.ToArray(), 2))];
                goto keepChecksum;
            case "longer than the first": packets = Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1, 1, payloadLength: 1000), 1000, false).Concat(
                Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1001, 1, payloadLength: 1100), 2000, false)).ToArray(); goto keepChecksum;
            case "after psh": packets = Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack | TcpFlags.Psh, 1, 1, payloadLength: 1000), 1000, false).Concat(
                Segments(NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1001, 1, payloadLength: 1000), 1000, false)).ToArray(); goto keepChecksum;
            case "no room": packets[0] = Copy(packets[0].Packet.ToArray(), capacity: packets[0].Length + 500); goto keepChecksum;
            case "udp": second[9] = (byte)IpProtocol.Udp; Ipv4Packet.CreateUnchecked(second).UpdateHeaderChecksum(); goto keepChecksum;
            case "other ttl": second[8] -= 1; Ipv4Packet.CreateUnchecked(second).UpdateHeaderChecksum(); goto keepChecksum;
        }
        tcp.UpdateChecksum(Ipv4Packet.CreateUnchecked(second).PseudoHeaderSum());
    keepChecksum:
        Assert.Equal(packets.Length, TcpCoalescer.Coalesce(packets));
    }

    [Fact]
    public void Coalesce_Segments_AllocatesNothing()
    {
        var original = NatPackets.Tcp(Client, Server, TcpFlags.Ack, 1, 1, payloadLength: 8000);
        var packets = Segments(original, 1000, false);
        var copies = packets.Select(p => p.Packet.ToArray()).ToArray();
        var count = 0;
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < packets.Length; i++)
            {
                copies[i].CopyTo(packets[i].Array, 0);
                packets[i].Offset = 0;
                packets[i].Length = copies[i].Length;
                packets[i].Offload = default;
            }
            count = TcpCoalescer.Coalesce(packets);
        });
        Assert.Equal(1, count);
        Assert.Equal(0, bytes);
    }

    /// <summary>Cuts a packet with TunOffload.Segment and copies the segments into 64 KiB buffers, as a VPN receive loop holds them.</summary>
    private static PacketBuffer[] Segments(byte[] packet, ushort gsoSize, bool ipv6)
    {
        var ipHeader = ipv6 ? 40 : 20;
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, ipv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
            (ushort)(ipHeader + 20), gsoSize, (ushort)ipHeader, 16);
        var cut = Enumerable.Range(0, 64).Select(_ => new PacketBuffer(70_000)).ToArray();
        var count = TunOffload.Segment(packet, header, cut);
        Assert.NotEqual(0, count);
        return cut[..count].Select(s => Copy(s.Packet.ToArray())).ToArray();
    }

    private static PacketBuffer Copy(byte[] packet, int capacity = 65536)
    {
        var buffer = new PacketBuffer(capacity, headroom: 0) { Length = packet.Length };
        packet.CopyTo(buffer.Array, 0);
        return buffer;
    }

    /// <summary>Replaces the packet's TCP header with one carrying 12 bytes of options whose last byte is <paramref name="marker"/>, fixing lengths and checksums.</summary>
    private static byte[] WithOptions(byte[] packet, byte marker)
    {
        var options = new byte[] { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, marker };
        var result = new byte[packet.Length + options.Length];
        packet.AsSpan(0, 40).CopyTo(result);
        options.CopyTo(result, 40);
        packet.AsSpan(40).CopyTo(result.AsSpan(52));
        result[32] = 8 << 4;
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(2), (ushort)result.Length);
        var ip = Ipv4Packet.CreateUnchecked(result);
        ip.UpdateHeaderChecksum();
        TcpSegment.CreateUnchecked(result.AsSpan(20)).UpdateChecksum(ip.PseudoHeaderSum());
        return result;
    }

    private static void Ipv4OrNot(bool ipv6, byte[] bytes)
    {
        if (!ipv6)
            Ipv4Packet.CreateUnchecked(bytes).UpdateHeaderChecksum();
    }
}

using SharpTun.Stack.Nat;
using SharpTun.Tests.Stack.Nat;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Tests.Tun;

public sealed class TunOffloadSegmentTests
{
    private static readonly NatEndpoint Source4 = NatPackets.Endpoint("10.7.0.2", 40000);
    private static readonly NatEndpoint Destination4 = NatPackets.Endpoint("10.7.0.1", 5201);
    private static readonly NatEndpoint Source6 = NatPackets.Endpoint("fd00:7::2", 40000);
    private static readonly NatEndpoint Destination6 = NatPackets.Endpoint("fd00:7::1", 5201);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Segment_SuperPacket_CutsIntoValidSegmentsLikeTheKernel(bool ipv6)
    {
        var packet = SuperPacket(ipv6, payloadLength: 2500, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin | TcpFlags.Cwr, sequence: 0xFFFF_FC00);
        var header = GsoHeader(ipv6, packet, gsoSize: 1000);
        var segments = Buffers(4);

        Assert.Equal(3, TunOffload.SegmentCount(packet, header));
        Assert.Equal(3, TunOffload.Segment(packet, header, segments));

        var headerLength = (ipv6 ? 40 : 20) + 40; // IP, TCP and 20 bytes of options
        Assert.Equal([headerLength + 1000, headerLength + 1000, headerLength + 500], segments[..3].Select(s => s.Length));
        Assert.Equal([0xFFFF_FC00u, 0xFFFF_FFE8u, 1000u - 24], segments[..3].Select(s => NatPackets.ReadTcpHeader(s.Packet).SequenceNumber)); // wraps past 2^32
        Assert.Equal([TcpFlags.Ack | TcpFlags.Cwr, TcpFlags.Ack, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin],
            segments[..3].Select(s => NatPackets.ReadTcpHeader(s.Packet).Flags));
        if (!ipv6)
            Assert.Equal([0x1234, 0x1235, 0x1236], segments[..3].Select(s => (int)Ipv4Packet.CreateUnchecked(s.Packet).Identification));
        foreach (var segment in segments[..3])
        {
            Assert.Equal((ipv6 ? Source6 : Source4, Destination(ipv6)), NatPackets.ReadValidTcp(segment.Packet));
            Assert.Equal(default, segment.Offload);
        }
        Assert.Equal(packet[headerLength..], segments[..3].SelectMany(s => s.Packet[headerLength..].ToArray()));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    public void Segment_RandomSizes_PayloadSurvivesAndEveryChecksumIsValid(int seed)
    {
        var random = new Random(seed);
        var segments = Buffers(128);
        for (var round = 0; round < 200; round++)
        {
            var ipv6 = random.Next(2) == 0;
            var gsoSize = random.Next(500, 1500);
            var packet = SuperPacket(ipv6, random.Next(1, 60_000), TcpFlags.Ack, (uint)random.NextInt64(uint.MaxValue));
            var header = GsoHeader(ipv6, packet, (ushort)gsoSize);
            var count = TunOffload.Segment(packet, header, segments);
            var headerLength = (ipv6 ? 40 : 20) + 40; // IP, TCP and 20 bytes of options
            Assert.Equal((packet.Length - headerLength + gsoSize - 1) / gsoSize, count);
            var payload = new List<byte>();
            foreach (var segment in segments[..count])
            {
                NatPackets.ReadValidTcp(segment.Packet);
                payload.AddRange(segment.Packet[headerLength..].ToArray());
            }
            Assert.Equal(packet[headerLength..], payload);
        }
    }

    public static TheoryData<string> Malformed => ["gso type v6 on v4", "checksum start not at tcp", "no gso size", "truncated tcp header", "too few buffers", "buffers too small", "udp over v4"];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Segment_MalformedOrUnsupported_ReturnsZero(string problem)
    {
        var packet = SuperPacket(ipv6: false, payloadLength: 3000, TcpFlags.Ack, 1);
        var header = GsoHeader(false, packet, 1000);
        var segments = Buffers(4);
        switch (problem)
        {
            case "gso type v6 on v4": header = header with { GsoType = VirtioNetHeader.GsoTcpV6 }; break;
            case "checksum start not at tcp": header = header with { ChecksumStart = 24 }; break;
            case "no gso size": header = header with { GsoSize = 0 }; break;
            case "truncated tcp header": packet = packet[..30]; break;
            case "too few buffers": segments = Buffers(2); break;
            case "buffers too small": segments = [new PacketBuffer(600), new PacketBuffer(600), new PacketBuffer(600)]; break;
            case "udp over v4": packet[9] = (byte)IpProtocol.Udp; break;
        }

        Assert.Equal(0, TunOffload.Segment(packet, header, segments));
    }

    [Fact]
    public void TryCompleteChecksum_PartialTcpChecksum_BecomesTheFullChecksum()
    {
        var packet = NatPackets.Tcp(Source4, Destination4, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 777);
        var full = packet.ToArray();
        NatPackets.WithPartialChecksum(packet);
        Assert.NotEqual(full, packet);

        Assert.True(TunOffload.TryCompleteChecksum(packet, new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, 20, 16)));

        Assert.Equal(full, packet);
        Assert.False(TunOffload.TryCompleteChecksum(packet, default)); // no NEEDS_CSUM: nothing to do
        Assert.False(TunOffload.TryCompleteChecksum(packet, new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, 20, 5000)));
    }

    private static NatEndpoint Destination(bool ipv6) => ipv6 ? Destination6 : Destination4;

    /// <summary>A TCP packet with options (20 bytes of them, as timestamps and SACK would be) and a partial checksum.</summary>
    private static byte[] SuperPacket(bool ipv6, int payloadLength, TcpFlags flags, uint sequence)
    {
        var plain = NatPackets.Tcp(ipv6 ? Source6 : Source4, Destination(ipv6), flags, sequence, acknowledgment: 77, payloadLength: payloadLength + 20);
        // Turn the first 20 payload bytes into TCP options (NOPs): data offset 10 words.
        int tcpOffset = ipv6 ? 40 : 20;
        plain[tcpOffset + 12] = 10 << 4;
        plain.AsSpan(tcpOffset + 20, 20).Fill(1);
        return NatPackets.WithPartialChecksum(plain);
    }

    private static VirtioNetHeader GsoHeader(bool ipv6, byte[] packet, ushort gsoSize) => new(
        VirtioNetHeader.FlagNeedsChecksum, ipv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
        (ushort)((ipv6 ? 40 : 20) + 40), gsoSize, (ushort)(ipv6 ? 40 : 20), 16);

    private static PacketBuffer[] Buffers(int count) => Enumerable.Range(0, count).Select(_ => new PacketBuffer(64 + 1600)).ToArray();
}

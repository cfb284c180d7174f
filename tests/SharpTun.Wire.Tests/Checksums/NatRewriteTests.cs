using System.Buffers.Binary;

namespace SharpTun.Wire.Tests.Checksums;

/// <summary>
/// Whole-packet rewrites as the NAT does them: incremental updates (RFC 1624) must leave exactly
/// the checksums that a full recomputation writes.
/// </summary>
public sealed class NatRewriteTests
{
    [Fact]
    public void Ipv4Tcp_RandomDestinationRewrites_IncrementalEqualsFullRecomputation()
    {
        var random = new Random(1624);
        var bytes = Captured.Ipv4TcpSyn;
        for (int trial = 0; trial < 5000; trial++)
        {
            Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
            Assert.True(TcpSegment.TryParse(packet.Payload, out var segment));
            uint oldAddress = packet.Destination;
            uint newAddress = (uint)random.NextInt64(0, 1L << 32);
            ushort oldPort = segment.DestinationPort;
            ushort newPort = (ushort)random.Next(0x10000);

            packet.Destination = newAddress;
            segment.DestinationPort = newPort;
            packet.HeaderChecksum = IncrementalChecksum.Update(packet.HeaderChecksum, oldAddress, newAddress);
            segment.Checksum = IncrementalChecksum.Update(IncrementalChecksum.Update(segment.Checksum, oldAddress, newAddress), oldPort, newPort);

            Assert.True(packet.IsHeaderChecksumValid);
            Assert.True(segment.IsChecksumValid(packet.PseudoHeaderSum()));
            ushort headerChecksum = packet.HeaderChecksum;
            packet.UpdateHeaderChecksum();
            Assert.Equal(packet.HeaderChecksum, headerChecksum);
            Assert.Equal(segment.ComputeChecksum(packet.PseudoHeaderSum()), segment.Checksum);
        }
    }

    [Fact]
    public void Ipv6Udp_RandomSourceRewrites_IncrementalEqualsFullRecomputation()
    {
        var random = new Random(8200);
        var bytes = Captured.Ipv6HopByHopFragmentUdp;
        var oldAddress = new byte[16];
        var newAddress = new byte[16];
        for (int trial = 0; trial < 5000; trial++)
        {
            Assert.True(Ipv6Packet.TryParse(bytes, out var packet));
            Assert.True(UdpDatagram.TryParse(packet.UpperLayerPayload, out var udp));
            packet.SourceAddress.CopyTo(oldAddress);
            random.NextBytes(newAddress);
            ushort oldPort = udp.SourcePort;
            ushort newPort = (ushort)random.Next(0x10000);

            newAddress.CopyTo(packet.SourceAddress);
            udp.SourcePort = newPort;
            ushort checksum = IncrementalChecksum.Update(IncrementalChecksum.Update(udp.Checksum, oldAddress, newAddress), oldPort, newPort);
            // A UDP checksum that comes out as 0 is sent as 0xFFFF (RFC 768); both mean the same sum.
            udp.Checksum = checksum == 0 ? (ushort)0xFFFF : checksum;

            Assert.True(udp.IsChecksumValid(packet.PseudoHeaderSum()));
            Assert.Equal(udp.ComputeChecksum(packet.PseudoHeaderSum()), udp.Checksum);
        }
    }

    [Fact]
    public void IcmpV4_EchoReplyWithNewTtl_IncrementalEqualsFullRecomputation()
    {
        var bytes = Captured.Ipv4IcmpEchoRequest;
        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(Ipv4Packet.Field.TimeToLive));

        packet.TimeToLive = 255;
        ushort newWord = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(Ipv4Packet.Field.TimeToLive));
        packet.HeaderChecksum = IncrementalChecksum.Update(packet.HeaderChecksum, oldWord, newWord);

        Assert.True(packet.IsHeaderChecksumValid);
    }
}

using System.Buffers.Binary;
using CsCheck;

namespace SharpTun.Wire.Tests.Udp;

public sealed class UdpDatagramTests
{
    [Fact]
    public void TryParse_CapturedDatagram_ReadsEveryField()
    {
        Assert.True(Ipv6Packet.TryParse(Captured.Ipv6HopByHopFragmentUdp, out var packet));

        Assert.True(UdpDatagram.TryParse(packet.UpperLayerPayload, out var udp));

        Assert.Equal(5353, udp.SourcePort);
        Assert.Equal(53, udp.DestinationPort);
        Assert.Equal(12, udp.Length);
        Assert.Equal(0xb072, udp.Checksum);
        Assert.True(udp.HasChecksum);
        Assert.Equal("ping"u8.ToArray(), udp.Payload.ToArray());
        Assert.True(udp.IsChecksumValid(packet.PseudoHeaderSum()));
    }

    [Fact]
    public void TryParse_EveryTruncation_ReturnsFalseWithoutThrowing()
    {
        var datagram = Captured.Ipv6HopByHopFragmentUdp[56..];
        foreach (int length in Truncation.ShorterLengths(datagram))
            Assert.False(UdpDatagram.TryParse(datagram.AsSpan(0, length), out _), $"length {length}");
    }

    [Theory]
    [InlineData(0)] // jumbogram marker (RFC 2675), not supported
    [InlineData(7)]
    [InlineData(13)]
    public void TryParse_BadLength_ReturnsFalse(int length)
    {
        var datagram = Captured.Ipv6HopByHopFragmentUdp[56..];
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)length);

        Assert.False(UdpDatagram.TryParse(datagram, out _));
    }

    [Fact]
    public void TryParse_BytesAfterLength_AreNotPartOfTheDatagram()
    {
        byte[] datagram = [0, 1, 0, 2, 0, 9, 0, 0, 0xAA, 0xBB, 0xCC];

        Assert.True(UdpDatagram.TryParse(datagram, out var udp));

        Assert.Equal(new byte[] { 0xAA }, udp.Payload.ToArray());
    }

    [Fact]
    public void IsChecksumValid_ZeroChecksum_ReportsNoChecksum()
    {
        byte[] datagram = [0, 1, 0, 2, 0, 8, 0, 0];

        Assert.True(UdpDatagram.TryParse(datagram, out var udp));

        Assert.False(udp.HasChecksum);
        Assert.False(udp.IsChecksumValid(0));
    }

    [Fact]
    public void ComputeChecksum_SumOfAllOnes_IsSentAsFFFF()
    {
        // Header words 0x0000 + 0x0000 + 0x0008 plus a pseudo-header sum of 0xFFF7 give 0xFFFF,
        // whose complement 0 must be sent as 0xFFFF (RFC 768).
        byte[] datagram = [0, 0, 0, 0, 0, 8, 0, 0];
        var udp = UdpDatagram.CreateUnchecked(datagram);

        udp.UpdateChecksum(0xFFF7);

        Assert.Equal(0xFFFF, udp.Checksum);
        Assert.True(udp.IsChecksumValid(0xFFF7));
    }

    [Fact]
    public void Emit_ThenParse_RoundTrips()
    {
        var gen = Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte.Array[0, 100]);
        gen.Sample((sourcePort, destinationPort, payload) =>
        {
            var header = new UdpHeader { SourcePort = sourcePort, DestinationPort = destinationPort, PayloadLength = payload.Length };
            var buffer = new byte[UdpDatagram.HeaderLength + payload.Length];
            uint pseudo = PseudoHeader.SumV4([192, 0, 2, 1], [198, 51, 100, 7], (byte)IpProtocol.Udp, buffer.Length);

            header.Emit(buffer);
            payload.CopyTo(buffer, UdpDatagram.HeaderLength);
            UdpDatagram.CreateUnchecked(buffer).UpdateChecksum(pseudo);

            Assert.True(UdpDatagram.TryParse(buffer, out var udp));
            Assert.Equal(header, udp.ToHeader());
            Assert.Equal(payload, udp.Payload.ToArray());
            Assert.True(udp.IsChecksumValid(pseudo));
        }, iter: 2000);
    }
}

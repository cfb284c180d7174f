using System.Buffers.Binary;
using System.Net;
using CsCheck;

namespace SharpTun.Wire.Tests.Ip;

public sealed class Ipv4PacketTests
{
    [Fact]
    public void TryParse_CapturedSyn_ReadsEveryField()
    {
        var bytes = Captured.Ipv4TcpSyn;

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        Assert.Equal(4, packet.Version);
        Assert.Equal(20, packet.HeaderLength);
        Assert.Equal(0, packet.Dscp);
        Assert.Equal(0, packet.Ecn);
        Assert.Equal(60, packet.TotalLength);
        Assert.Equal(0x1c46, packet.Identification);
        Assert.True(packet.DontFragment);
        Assert.False(packet.MoreFragments);
        Assert.Equal(0, packet.FragmentOffset);
        Assert.False(packet.IsFragment);
        Assert.Equal(64, packet.TimeToLive);
        Assert.Equal(IpProtocol.Tcp, packet.Protocol);
        Assert.Equal(0xde99, packet.HeaderChecksum);
        Assert.True(packet.IsHeaderChecksumValid);
        Assert.Equal(new byte[] { 10, 0, 0, 2 }, packet.SourceAddress.ToArray());
        Assert.Equal(new byte[] { 93, 184, 216, 34 }, packet.DestinationAddress.ToArray());
        Assert.Equal(0x0A000002u, packet.Source);
        Assert.Equal(IPAddress.Parse("93.184.216.34"), packet.GetDestinationIPAddress());
        Assert.Equal(IPAddress.Parse("10.0.0.2"), packet.GetSourceIPAddress());
        Assert.True(packet.Options.IsEmpty);
        Assert.Equal(40, packet.Payload.Length);
    }

    [Fact]
    public void TryParse_TrailingPadding_IsNotPartOfThePacket()
    {
        var bytes = new byte[Captured.Ipv4IcmpEchoRequest.Length + 6];
        Captured.Ipv4IcmpEchoRequest.CopyTo(bytes, 0);

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        Assert.Equal(Captured.Ipv4IcmpEchoRequest.Length, packet.Bytes.Length);
        Assert.Equal(40, packet.Payload.Length);
    }

    [Fact]
    public void TryParse_WithOptions_ExposesOptionsAndPayloadAfterThem()
    {
        // IHL 6: one 4-byte option (Router Alert, RFC 2113) before a 4-byte payload.
        var bytes = new byte[28];
        new Ipv4Header { Protocol = IpProtocol.Udp, PayloadLength = 8 }.Emit(bytes);
        bytes[0] = 0x46;
        byte[] routerAlert = [0x94, 0x04, 0x00, 0x00];
        routerAlert.CopyTo(bytes, 20);
        bytes[24] = 0xAA;
        var packet = Ipv4Packet.CreateUnchecked(bytes);
        packet.UpdateHeaderChecksum();

        Assert.True(Ipv4Packet.TryParse(bytes, out packet));

        Assert.Equal(24, packet.HeaderLength);
        Assert.Equal(routerAlert, packet.Options.ToArray());
        Assert.Equal(4, packet.Payload.Length);
        Assert.Equal(0xAA, packet.Payload[0]);
        Assert.True(packet.IsHeaderChecksumValid);
    }

    [Fact]
    public void TryParse_EveryTruncation_ReturnsFalseWithoutThrowing()
    {
        foreach (var sample in new[] { Captured.Ipv4TcpSyn, Captured.Ipv4IcmpEchoRequest, Captured.Ipv4IcmpPortUnreachable })
        {
            foreach (int length in Truncation.ShorterLengths(sample))
                Assert.False(Ipv4Packet.TryParse(sample.AsSpan(0, length), out _), $"length {length}");
        }
    }

    [Theory]
    [InlineData(0x44)] // IHL 4: shorter than the fixed header
    [InlineData(0x40)] // IHL 0
    [InlineData(0x4F)] // IHL 15: 60 bytes, past Total Length
    [InlineData(0x65)] // version 6
    [InlineData(0x05)] // version 0
    public void TryParse_BadVersionOrHeaderLength_ReturnsFalse(byte versionAndIhl)
    {
        var bytes = Captured.Ipv4IcmpEchoRequest.AsSpan(0, 40).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), 40);
        bytes[0] = versionAndIhl;

        Assert.False(Ipv4Packet.TryParse(bytes, out _));
    }

    [Theory]
    [InlineData(61)]
    [InlineData(0xFFFF)]
    [InlineData(19)]
    [InlineData(0)]
    public void TryParse_TotalLengthBeyondBufferOrBelowHeader_ReturnsFalse(int totalLength)
    {
        var bytes = Captured.Ipv4TcpSyn;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)totalLength);

        Assert.False(Ipv4Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 100].Sample(bytes =>
        {
            if (bytes.Length > 0)
                bytes[0] = (byte)(0x40 | (bytes[0] & 0x0F));
            if (Ipv4Packet.TryParse(bytes, out var packet))
                Assert.True(packet.Payload.Length >= 0 && packet.Options.Length >= 0);
        }, iter: 10000);
    }

    [Fact]
    public void IsHeaderChecksumValid_CorruptedByte_ReturnsFalse()
    {
        var bytes = Captured.Ipv4TcpSyn;
        bytes[8] ^= 0x01;

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.False(packet.IsHeaderChecksumValid);
        packet.UpdateHeaderChecksum();
        Assert.True(packet.IsHeaderChecksumValid);
    }

    [Fact]
    public void Setters_WriteFieldsInPlace_WithoutDisturbingNeighbours()
    {
        var bytes = Captured.Ipv4TcpSyn;
        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        packet.Dscp = 46;
        packet.Ecn = 1;
        packet.DontFragment = false;
        packet.MoreFragments = true;
        packet.FragmentOffset = 0x1234;
        packet.Identification = 0xBEEF;
        packet.TimeToLive = 1;
        packet.Protocol = IpProtocol.Udp;
        packet.Source = 0xC0A80001;
        packet.Destination = 0x08080808;

        Assert.Equal(46, packet.Dscp);
        Assert.Equal(1, packet.Ecn);
        Assert.False(packet.DontFragment);
        Assert.True(packet.MoreFragments);
        Assert.Equal(0x1234, packet.FragmentOffset);
        Assert.True(packet.IsFragment);
        Assert.Equal(0xBEEF, packet.Identification);
        Assert.Equal(1, packet.TimeToLive);
        Assert.Equal(IpProtocol.Udp, packet.Protocol);
        Assert.Equal(new byte[] { 192, 168, 0, 1 }, packet.SourceAddress.ToArray());
        Assert.Equal(new byte[] { 8, 8, 8, 8 }, packet.DestinationAddress.ToArray());
        Assert.Equal(60, packet.TotalLength);
        Assert.Equal(20, packet.HeaderLength);
    }

    [Fact]
    public void SwapAddresses_KeepsHeaderChecksumValid()
    {
        var bytes = Captured.Ipv4TcpSyn;
        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        packet.SwapAddresses();

        Assert.Equal(0x5DB8D822u, packet.Source);
        Assert.Equal(0x0A000002u, packet.Destination);
        Assert.True(packet.IsHeaderChecksumValid);
    }

    [Fact]
    public void PseudoHeaderSum_CapturedSyn_ValidatesTcpChecksum()
    {
        Assert.True(Ipv4Packet.TryParse(Captured.Ipv4TcpSyn, out var packet));
        Assert.True(TcpSegment.TryParse(packet.Payload, out var segment));

        Assert.True(segment.IsChecksumValid(packet.PseudoHeaderSum()));
    }

    [Fact]
    public void Emit_ThenParse_RoundTrips()
    {
        var gen =
            from dscp in Gen.Byte[0, 63]
            from ecn in Gen.Byte[0, 3]
            from identification in Gen.UShort
            from dontFragment in Gen.Bool
            from moreFragments in Gen.Bool
            from fragmentOffset in Gen.UShort[0, 0x1FFF]
            from ttl in Gen.Byte
            from protocol in Gen.Byte
            from source in Gen.UInt
            from destination in Gen.UInt
            from payloadLength in Gen.Int[0, 200]
            select new Ipv4Header
            {
                Dscp = dscp,
                Ecn = ecn,
                Identification = identification,
                DontFragment = dontFragment,
                MoreFragments = moreFragments,
                FragmentOffset = fragmentOffset,
                TimeToLive = ttl,
                Protocol = (IpProtocol)protocol,
                Source = source,
                Destination = destination,
                PayloadLength = payloadLength,
            };
        gen.Sample(header =>
        {
            var buffer = new byte[header.HeaderLength + header.PayloadLength + 3];

            int written = header.Emit(buffer);

            Assert.Equal(20, written);
            Assert.True(Ipv4Packet.TryParse(buffer, out var packet));
            Assert.True(packet.IsHeaderChecksumValid);
            Assert.Equal(header, packet.ToHeader());
            Assert.Equal(header.PayloadLength, packet.Payload.Length);
        }, iter: 2000);
    }

    [Fact]
    public void Emit_OutOfRangeField_Throws()
    {
        var buffer = new byte[20];

        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Header { Dscp = 64 }.Emit(buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Header { PayloadLength = 65516 }.Emit(buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Header().Emit(new byte[19]));
    }
}

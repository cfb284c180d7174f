using CsCheck;

namespace SharpTun.Wire.Tests.Icmp;

public sealed class IcmpV4PacketTests
{
    [Fact]
    public void TryParse_CapturedEchoRequest_ReadsEveryField()
    {
        Assert.True(Ipv4Packet.TryParse(Captured.Ipv4IcmpEchoRequest, out var packet));
        Assert.Equal(IpProtocol.Icmp, packet.Protocol);

        Assert.True(IcmpV4Packet.TryParse(packet.Payload, out var icmp));

        Assert.Equal(IcmpV4Type.EchoRequest, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(1, icmp.SequenceNumber);
        Assert.Equal(0x12340001u, icmp.RestOfHeader);
        Assert.Equal("abcdefghijklmnopqrstuvwabcdefghi"u8.ToArray(), icmp.Data.ToArray());
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(icmp.Checksum, icmp.ComputeChecksum());
    }

    [Fact]
    public void EchoRequest_TurnedIntoReplyInPlace_HasValidChecksums()
    {
        var bytes = Captured.Ipv4IcmpEchoRequest;
        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.True(IcmpV4Packet.TryParse(packet.Payload, out var icmp));

        packet.SwapAddresses();
        icmp.SetTypeAndCode(IcmpV4Type.EchoReply, 0);

        Assert.Equal(0x08080808u, packet.Source);
        Assert.Equal(0xC0A8010Au, packet.Destination);
        Assert.Equal(IcmpV4Type.EchoReply, icmp.Type);
        Assert.True(packet.IsHeaderChecksumValid);
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(0x1234, icmp.Identifier);
    }

    [Fact]
    public void TryParse_CapturedPortUnreachable_ExposesTheInvokingPacket()
    {
        Assert.True(Ipv4Packet.TryParse(Captured.Ipv4IcmpPortUnreachable, out var packet));
        Assert.True(IcmpV4Packet.TryParse(packet.Payload, out var icmp));

        Assert.Equal(IcmpV4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)IcmpV4UnreachableCode.PortUnreachable, icmp.Code);
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(28, icmp.Data.Length);

        // The quoted header says Total Length 40 but only 28 bytes are quoted, so a full parse fails
        // and the quote is read field by field.
        Assert.False(Ipv4Packet.TryParse(icmp.Data, out _));
        var quoted = Ipv4Packet.CreateUnchecked(PadTo(icmp.Data, 40));
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
        Assert.Equal(0x0A000002u, quoted.Source);
        Assert.Equal(0x0A000001u, quoted.Destination);
        Assert.True(quoted.IsHeaderChecksumValid);
        Assert.True(UdpDatagram.TryParse(PadTo(quoted.Payload[..8], 20), out var udp));
        Assert.Equal(40000, udp.SourcePort);
        Assert.Equal(33434, udp.DestinationPort);
    }

    [Fact]
    public void NextHopMtu_FragmentationNeeded_IsReadAndWritten()
    {
        var buffer = new byte[8 + 28];
        new IcmpV4Header { Type = IcmpV4Type.DestinationUnreachable, Code = (byte)IcmpV4UnreachableCode.FragmentationNeeded }.Emit(buffer);
        var icmp = IcmpV4Packet.CreateUnchecked(buffer);

        icmp.NextHopMtu = 1400;
        icmp.UpdateChecksum();

        Assert.Equal(1400, icmp.NextHopMtu);
        Assert.Equal(1400u, icmp.RestOfHeader);
        Assert.True(icmp.IsChecksumValid);
    }

    [Fact]
    public void TryParse_EveryTruncationOfTheHeader_ReturnsFalseWithoutThrowing()
    {
        var message = Captured.Ipv4IcmpEchoRequest[20..];
        for (int length = 0; length < IcmpV4Packet.HeaderLength; length++)
            Assert.False(IcmpV4Packet.TryParse(message.AsSpan(0, length), out _));
        Assert.True(IcmpV4Packet.TryParse(message.AsSpan(0, 8), out _));
    }

    [Fact]
    public void Emit_ThenParse_RoundTrips()
    {
        var gen = Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte.Array[0, 100]);
        gen.Sample((identifier, sequence, data) =>
        {
            var header = IcmpV4Header.Echo(IcmpV4Type.EchoRequest, identifier, sequence);
            var buffer = new byte[IcmpV4Packet.HeaderLength + data.Length];

            header.Emit(buffer);
            data.CopyTo(buffer, IcmpV4Packet.HeaderLength);
            IcmpV4Packet.CreateUnchecked(buffer).UpdateChecksum();

            Assert.True(IcmpV4Packet.TryParse(buffer, out var icmp));
            Assert.Equal(header, icmp.ToHeader());
            Assert.Equal(identifier, icmp.Identifier);
            Assert.Equal(sequence, icmp.SequenceNumber);
            Assert.Equal(data, icmp.Data.ToArray());
            Assert.True(icmp.IsChecksumValid);
        }, iter: 2000);
    }

    private static byte[] PadTo(ReadOnlySpan<byte> bytes, int length)
    {
        var padded = new byte[length];
        bytes.CopyTo(padded);
        return padded;
    }
}

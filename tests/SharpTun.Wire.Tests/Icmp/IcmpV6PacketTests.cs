using System.Net;
using CsCheck;

namespace SharpTun.Wire.Tests.Icmp;

public sealed class IcmpV6PacketTests
{
    [Fact]
    public void TryParse_CapturedEchoRequest_ReadsEveryField()
    {
        Assert.True(Ipv6Packet.TryParse(Captured.Ipv6IcmpEchoRequest, out var packet));

        Assert.True(IcmpV6Packet.TryParse(packet.UpperLayerPayload, out var icmp));

        Assert.Equal(IcmpV6Type.EchoRequest, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x42, icmp.Identifier);
        Assert.Equal(7, icmp.SequenceNumber);
        Assert.Equal(new byte[] { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17 }, icmp.Data.ToArray());
        Assert.True(icmp.IsChecksumValid(packet.PseudoHeaderSum()));
        Assert.Equal(icmp.Checksum, icmp.ComputeChecksum(packet.PseudoHeaderSum()));
    }

    [Fact]
    public void IsChecksumValid_WithoutPseudoHeader_ReturnsFalse()
    {
        Assert.True(Ipv6Packet.TryParse(Captured.Ipv6IcmpEchoRequest, out var packet));
        Assert.True(IcmpV6Packet.TryParse(packet.UpperLayerPayload, out var icmp));

        Assert.False(icmp.IsChecksumValid(0));
    }

    [Fact]
    public void EchoRequest_TurnedIntoReplyInPlace_HasValidChecksum()
    {
        var bytes = Captured.Ipv6IcmpEchoRequest;
        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));
        Assert.True(IcmpV6Packet.TryParse(packet.UpperLayerPayload, out var icmp));

        packet.SwapAddresses();
        icmp.SetTypeAndCode(IcmpV6Type.EchoReply, 0);

        Assert.Equal(IPAddress.Parse("2001:db8::2"), packet.GetSourceIPAddress());
        Assert.Equal(IcmpV6Type.EchoReply, icmp.Type);
        Assert.True(icmp.IsChecksumValid(packet.PseudoHeaderSum()));
        Assert.Equal(icmp.ComputeChecksum(packet.PseudoHeaderSum()), icmp.Checksum);
    }

    [Fact]
    public void PacketTooBig_Mtu_IsReadAndWritten()
    {
        var buffer = new byte[8 + 48];
        new IcmpV6Header { Type = IcmpV6Type.PacketTooBig }.Emit(buffer);
        var icmp = IcmpV6Packet.CreateUnchecked(buffer);

        icmp.Mtu = Ipv6Packet.MinimumMtu;
        icmp.UpdateChecksum(123);

        Assert.Equal(1280u, icmp.Mtu);
        Assert.Equal(new byte[] { 2, 0 }, buffer[..2]);
        Assert.Equal(new byte[] { 0, 0, 5, 0 }, buffer[4..8]);
        Assert.True(icmp.IsChecksumValid(123));
    }

    [Theory]
    [InlineData(IcmpV6Type.DestinationUnreachable, 1)]
    [InlineData(IcmpV6Type.PacketTooBig, 2)]
    [InlineData(IcmpV6Type.TimeExceeded, 3)]
    [InlineData(IcmpV6Type.EchoRequest, 128)]
    [InlineData(IcmpV6Type.EchoReply, 129)]
    public void Type_WellKnownValues_MatchRfc4443(IcmpV6Type type, byte value)
    {
        Assert.Equal(value, (byte)type);
    }

    [Fact]
    public void TryParse_EveryTruncationOfTheHeader_ReturnsFalseWithoutThrowing()
    {
        var message = Captured.Ipv6IcmpEchoRequest[40..];
        for (int length = 0; length < IcmpV6Packet.HeaderLength; length++)
            Assert.False(IcmpV6Packet.TryParse(message.AsSpan(0, length), out _));
    }

    [Fact]
    public void Emit_ThenParse_RoundTrips()
    {
        var gen = Gen.Select(Gen.UShort, Gen.UShort, Gen.Byte.Array[0, 100]);
        gen.Sample((identifier, sequence, data) =>
        {
            var header = IcmpV6Header.Echo(IcmpV6Type.EchoReply, identifier, sequence);
            var buffer = new byte[IcmpV6Packet.HeaderLength + data.Length];
            byte[] source = IPAddress.Parse("fe80::1").GetAddressBytes();
            byte[] destination = IPAddress.Parse("fe80::2").GetAddressBytes();
            uint pseudo = PseudoHeader.SumV6(source, destination, (byte)IpProtocol.IcmpV6, buffer.Length);

            header.Emit(buffer);
            data.CopyTo(buffer, IcmpV6Packet.HeaderLength);
            IcmpV6Packet.CreateUnchecked(buffer).UpdateChecksum(pseudo);

            Assert.True(IcmpV6Packet.TryParse(buffer, out var icmp));
            Assert.Equal(header, icmp.ToHeader());
            Assert.Equal(data, icmp.Data.ToArray());
            Assert.True(icmp.IsChecksumValid(pseudo));
        }, iter: 2000);
    }
}

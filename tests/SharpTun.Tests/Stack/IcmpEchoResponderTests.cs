using System.Buffers.Binary;
using SharpTun.Stack;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack;

public sealed class IcmpEchoResponderTests
{
    // Captured from `ping -s 8 10.77.0.2` through a TUN device, and the reply sharptun wrote back.
    private static readonly byte[] CapturedV4Request = Convert.FromHexString(
        "450000247314400040 01b3280a4d00010a4d0002 0800acca3f2400010001020304050607".Replace(" ", ""));
    private static readonly byte[] ExpectedV4Reply = Convert.FromHexString(
        "450000247314400040 01b3280a4d00020a4d0001 0000b4ca3f2400010001020304050607".Replace(" ", ""));

    // Captured from `ping -6 -s 8 fd00:77::2` and its reply.
    private static readonly byte[] CapturedV6Request = Convert.FromHexString(
        "600672d900103a40fd000077000000000000000000000001fd000077000000000000000000000002" +
        "8000398b3f2600010001020304050607");
    private static readonly byte[] ExpectedV6Reply = Convert.FromHexString(
        "600672d900103a40fd000077000000000000000000000002fd000077000000000000000000000001" +
        "8100388b3f2600010001020304050607");

    [Fact]
    public void TryAnswer_CapturedV4EchoRequest_BecomesExpectedReply()
    {
        var packet = CapturedV4Request.ToArray();
        Assert.Equal(packet.Length, IcmpEchoResponder.TryAnswer(packet));
        Assert.Equal(ExpectedV4Reply, packet);
    }

    [Fact]
    public void TryAnswer_CapturedV6EchoRequest_BecomesExpectedReply()
    {
        var packet = CapturedV6Request.ToArray();
        Assert.Equal(packet.Length, IcmpEchoResponder.TryAnswer(packet));
        Assert.Equal(ExpectedV6Reply, packet);
    }

    [Fact]
    public void TryAnswer_V4RequestWithLowTtl_ReplyHasFreshTtlAndValidHeaderChecksum()
    {
        var packet = CapturedV4Request.ToArray();
        var ip = Ipv4Packet.CreateUnchecked(packet);
        ip.TimeToLive = 1;
        ip.UpdateHeaderChecksum();

        IcmpEchoResponder.TryAnswer(packet);

        Assert.Equal(IcmpEchoResponder.ReplyHopLimit, ip.TimeToLive);
        Assert.True(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void TryAnswer_V6RequestWithHopByHopHeader_ReplyCarriesOnlyTheIcmpMessage()
    {
        // Insert an 8-byte Hop-by-Hop header (PadN option) between the fixed header and ICMPv6.
        var icmp = CapturedV6Request.AsSpan(Ipv6Packet.HeaderLength);
        var packet = new byte[CapturedV6Request.Length + 8];
        CapturedV6Request.AsSpan(0, Ipv6Packet.HeaderLength).CopyTo(packet);
        packet[Ipv6Packet.Field.NextHeader] = 0; // Hop-by-Hop
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(Ipv6Packet.Field.PayloadLength), (ushort)(icmp.Length + 8));
        byte[] hopByHop = [(byte)IpProtocol.IcmpV6, 0, 1, 4, 0, 0, 0, 0];
        hopByHop.CopyTo(packet, Ipv6Packet.HeaderLength);
        icmp.CopyTo(packet.AsSpan(Ipv6Packet.HeaderLength + 8));

        var length = IcmpEchoResponder.TryAnswer(packet);

        Assert.Equal(ExpectedV6Reply.Length, length);
        Assert.Equal(ExpectedV6Reply, packet[..length]);
    }

    [Fact]
    public void TryAnswer_V4RequestWithCorruptIcmpChecksum_IsNotAnswered()
    {
        var packet = CapturedV4Request.ToArray();
        packet[^1] ^= 0xFF;
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(packet));
    }

    [Fact]
    public void TryAnswer_V6RequestWithCorruptIcmpChecksum_IsNotAnswered()
    {
        var packet = CapturedV6Request.ToArray();
        packet[^1] ^= 0xFF;
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(packet));
    }

    [Fact]
    public void TryAnswer_EchoReply_IsNotAnswered()
    {
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(ExpectedV4Reply.ToArray()));
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(ExpectedV6Reply.ToArray()));
    }

    [Theory]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    public void TryAnswer_V4RequestToMulticastOrBroadcast_IsNotAnswered(string destination)
    {
        var packet = CapturedV4Request.ToArray();
        var ip = Ipv4Packet.CreateUnchecked(packet);
        System.Net.IPAddress.Parse(destination).TryWriteBytes(ip.DestinationAddress, out _);
        ip.UpdateHeaderChecksum();
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(packet));
    }

    [Fact]
    public void TryAnswer_V6RequestToMulticast_IsNotAnswered()
    {
        var packet = CapturedV6Request.ToArray();
        System.Net.IPAddress.Parse("ff02::1").TryWriteBytes(packet.AsSpan(Ipv6Packet.Field.DestinationAddress), out _);
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(packet));
    }

    [Fact]
    public void TryAnswer_V4Fragment_IsNotAnswered()
    {
        var packet = CapturedV4Request.ToArray();
        var ip = Ipv4Packet.CreateUnchecked(packet);
        ip.MoreFragments = true;
        ip.UpdateHeaderChecksum();
        Assert.Equal(0, IcmpEchoResponder.TryAnswer(packet));
    }

    [Fact]
    public void TryAnswer_EveryTruncationOfARequest_IsNotAnsweredAndDoesNotThrow()
    {
        foreach (var request in new[] { CapturedV4Request, CapturedV6Request })
        {
            for (var length = 0; length < request.Length; length++)
            {
                var packet = request.AsSpan(0, length).ToArray();
                Assert.Equal(0, IcmpEchoResponder.TryAnswer(packet));
            }
        }
    }

    [Fact]
    public void TryAnswer_RandomBytes_NeverThrows()
    {
        var random = new Random(1071);
        var packet = new byte[128];
        for (var i = 0; i < 100_000; i++)
        {
            random.NextBytes(packet);
            packet[0] = (byte)((random.Next(2) == 0 ? 0x40 : 0x60) | (packet[0] & 0x0F));
            IcmpEchoResponder.TryAnswer(packet.AsSpan(0, random.Next(packet.Length + 1)));
        }
    }
}

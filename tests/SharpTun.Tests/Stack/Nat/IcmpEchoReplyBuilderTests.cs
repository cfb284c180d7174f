using System.Buffers.Binary;
using SharpTun.Stack.Nat;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack.Nat;

public sealed class IcmpEchoReplyBuilderTests
{
    // The echo replies of IcmpEchoResponderTests' captured pings (10.77.0.2 answering 10.77.0.1,
    // identifier 0x3f24, sequence 1), as a ping socket would hand them over: the ICMP message alone,
    // with the kernel's identifier 0xbeef in place of the app's and the checksum to match.
    private static readonly byte[] V4ReplyMessage = Convert.FromHexString("0000b4ca3f2400010001020304050607");
    private static readonly byte[] V6ReplyMessage = Convert.FromHexString("8100388b3f2600010001020304050607");

    // What the app must see: our IPv4 header (no DF, id 0, TTL 64) before the original reply message.
    private static readonly byte[] ExpectedV4Packet = Convert.FromHexString(
        "4500002400000000 4001663d 0a4d0002 0a4d0001 0000b4ca3f2400010001020304050607".Replace(" ", ""));
    private static readonly byte[] ExpectedV6Packet = Convert.FromHexString(
        "6000000000103a40fd000077000000000000000000000002fd000077000000000000000000000001" +
        "8100388b3f2600010001020304050607");

    private static readonly UInt128 V4Remote = 0x0a4d0002, V4App = 0x0a4d0001;
    private static readonly UInt128 V6Remote = UInt128.Parse("fd000077000000000000000000000002", System.Globalization.NumberStyles.HexNumber);
    private static readonly UInt128 V6App = UInt128.Parse("fd000077000000000000000000000001", System.Globalization.NumberStyles.HexNumber);

    private static byte[] Received(byte[] message, out int offset)
    {
        offset = IcmpEchoReplyBuilder.Headroom;
        var buffer = new byte[offset + message.Length];
        message.CopyTo(buffer, offset);
        var icmp = IcmpV4Packet.CreateUnchecked(buffer.AsSpan(offset));
        icmp.Identifier = 0xbeef; // the ping socket's port
        icmp.Checksum ^= 0x1234; // whatever it was: the builder computes it afresh
        return buffer;
    }

    [Fact]
    public void TryBuild_V4ReplyWithKernelIdentifier_GivesTheAppsIdentifierBackWithValidChecksums()
    {
        var buffer = Received(V4ReplyMessage, out var offset);

        var length = IcmpEchoReplyBuilder.TryBuild(buffer, offset, V4ReplyMessage.Length, V4Remote, NatEndpoint.V4((uint)V4App, 0x3f24));

        Assert.Equal(ExpectedV4Packet, buffer.AsSpan(offset - 20, length).ToArray());
    }

    [Fact]
    public void TryBuild_V6ReplyWithKernelIdentifier_GivesTheAppsIdentifierBackWithPseudoHeaderChecksum()
    {
        var buffer = Received(V6ReplyMessage, out var offset);

        var length = IcmpEchoReplyBuilder.TryBuild(buffer, offset, V6ReplyMessage.Length, V6Remote, NatEndpoint.V6(V6App, 0x3f26));

        Assert.Equal(ExpectedV6Packet, buffer.AsSpan(offset - 40, length).ToArray());
        Assert.True(Ipv6Packet.TryParse(buffer.AsSpan(offset - 40, length), out var ip));
        Assert.True(IcmpV6Packet.TryParse(ip.UpperLayerPayload, out var icmp));
        Assert.True(icmp.IsChecksumValid(ip.PseudoHeaderSum()));
    }

    [Theory]
    [InlineData("0800b4ca3f240001", false)] // an echo request, not a reply
    [InlineData("0001b4ca3f240001", false)] // code 1
    [InlineData("0000b4ca3f24", false)]     // shorter than the header
    [InlineData("0000b4ca3f240001", true)] // a v4 reply type on a v6 mapping
    public void TryBuild_NotAnEchoReply_ReturnsZeroAndLeavesBufferAlone(string hex, bool ipv6)
    {
        var message = Convert.FromHexString(hex);
        var buffer = new byte[IcmpEchoReplyBuilder.Headroom + message.Length];
        message.CopyTo(buffer, IcmpEchoReplyBuilder.Headroom);
        var before = buffer.ToArray();
        var app = ipv6 ? NatEndpoint.V6(V6App, 1) : NatEndpoint.V4((uint)V4App, 1);

        Assert.Equal(0, IcmpEchoReplyBuilder.TryBuild(buffer, IcmpEchoReplyBuilder.Headroom, message.Length, ipv6 ? V6Remote : V4Remote, app));
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void TryBuild_TooLittleHeadroom_Throws()
    {
        var buffer = new byte[16 + V4ReplyMessage.Length];
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            IcmpEchoReplyBuilder.TryBuild(buffer, 16, V4ReplyMessage.Length, V4Remote, NatEndpoint.V4((uint)V4App, 1)));
    }

    [Fact]
    public void TryBuild_SequenceAndDataOfLargeReply_PassThroughUnchanged()
    {
        var message = new byte[1400];
        Random.Shared.NextBytes(message);
        message[0] = 0;
        message[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), 4242);
        var buffer = new byte[IcmpEchoReplyBuilder.Headroom + message.Length];
        message.CopyTo(buffer, IcmpEchoReplyBuilder.Headroom);

        var length = IcmpEchoReplyBuilder.TryBuild(buffer, IcmpEchoReplyBuilder.Headroom, message.Length, V4Remote, NatEndpoint.V4((uint)V4App, 7));

        Assert.True(Ipv4Packet.TryParse(buffer.AsSpan(IcmpEchoReplyBuilder.Headroom - 20, length), out var ip));
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.True(IcmpV4Packet.TryParse(ip.Payload, out var icmp));
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(7, icmp.Identifier);
        Assert.Equal(4242, icmp.SequenceNumber);
        Assert.Equal(message.AsSpan(8).ToArray(), icmp.Data.ToArray());
    }
}

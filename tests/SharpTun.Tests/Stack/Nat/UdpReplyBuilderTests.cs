using SharpTun.Stack.Nat;
using SharpTun.TestSupport;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack.Nat;

public sealed class UdpReplyBuilderTests
{
    private static readonly NatEndpoint Resolver = NatPackets.Endpoint("8.8.8.8", 53);
    private static readonly NatEndpoint App = NatPackets.Endpoint("10.0.0.2", 40000);

    [Fact]
    public void Build_Ipv4_WritesKnownBytesInFrontOfPayload()
    {
        var buffer = new byte[UdpReplyBuilder.Headroom + 2];
        buffer[^2] = 0x68;
        buffer[^1] = 0x69; // "hi"
        var packet = UdpReplyBuilder.Build(buffer, UdpReplyBuilder.Headroom, 2, Resolver, App);
        byte[] expected =
        [
            0x45, 0x00, 0x00, 0x1E, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x60, 0xBE,
            0x08, 0x08, 0x08, 0x08, 0x0A, 0x00, 0x00, 0x02,
            0x00, 0x35, 0x9C, 0x40, 0x00, 0x0A, 0xE0, 0xE9,
            0x68, 0x69,
        ];
        Assert.Equal(expected, packet.ToArray());
        Assert.True(buffer.AsSpan().Overlaps(packet, out int offset));
        Assert.Equal(UdpReplyBuilder.Headroom - UdpReplyBuilder.Ipv4HeaderLength, offset);
        AssertValid(packet);
    }

    [Fact]
    public void Build_ChecksumComputesToZero_SendsAllOnes()
    {
        // The pseudo-header and UDP header of this reply sum to 0xB6AC; a payload word of 0x4953
        // brings the sum to 0xFFFF, whose complement 0 must go out as 0xFFFF (RFC 768).
        var buffer = new byte[UdpReplyBuilder.Ipv4HeaderLength + 2];
        buffer[^2] = 0x49;
        buffer[^1] = 0x53;
        var packet = UdpReplyBuilder.Build(buffer, UdpReplyBuilder.Ipv4HeaderLength, 2, Resolver, App);
        Assert.Equal(0xFF, packet[26]);
        Assert.Equal(0xFF, packet[27]);
        AssertValid(packet);
    }

    [Fact]
    public void Build_Ipv6_WritesValidPacket()
    {
        var remote = NatPackets.Endpoint("2001:4860:4860::8888", 3478);
        var app = NatPackets.Endpoint("fd00:7::1", 50000);
        var buffer = new byte[UdpReplyBuilder.Headroom + 100];
        for (int i = 0; i < 100; i++)
            buffer[UdpReplyBuilder.Headroom + i] = (byte)i;
        var packet = UdpReplyBuilder.Build(buffer, UdpReplyBuilder.Headroom, 100, remote, app);
        Assert.Equal(148, packet.Length);
        Assert.Equal([0x60, 0, 0, 0, 0x00, 0x6C, 0x11, 0x40], packet[..8].ToArray());
        Assert.True(Ipv6Packet.TryParse(packet, out var ip));
        Assert.Equal(remote.Address, ip.Source);
        Assert.Equal(app.Address, ip.Destination);
        Assert.True(UdpDatagram.TryParse(ip.UpperLayerPayload, out var udp));
        Assert.Equal(3478, udp.SourcePort);
        Assert.Equal(50000, udp.DestinationPort);
        Assert.True(udp.IsChecksumValid(ip.PseudoHeaderSum()));
        Assert.Equal(99, udp.Payload[99]);
    }

    [Fact]
    public void Build_HeadroomTooSmallOrMixedFamilies_Throws()
    {
        var buffer = new byte[64];
        Assert.Throws<ArgumentOutOfRangeException>(() => UdpReplyBuilder.Build(buffer, 20, 4, Resolver, App));
        Assert.Throws<ArgumentException>(() => UdpReplyBuilder.Build(buffer, 48, 4, NatPackets.Endpoint("::1", 53), App));
    }

    [Fact]
    public void Build_Repeated_AllocatesNothing()
    {
        var buffer = new byte[UdpReplyBuilder.Headroom + 1200];
        UdpReplyBuilder.Build(buffer, UdpReplyBuilder.Headroom, 1200, Resolver, App);
        Assert.Equal(0, Allocations.FewestBytes(() =>
        {
            for (int i = 0; i < 10_000; i++)
                UdpReplyBuilder.Build(buffer, UdpReplyBuilder.Headroom, 1200, Resolver, App);
        }));
    }

    private static void AssertValid(Span<byte> packet)
    {
        Assert.True(Ipv4Packet.TryParse(packet, out var ip));
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.True(UdpDatagram.TryParse(ip.Payload, out var udp));
        Assert.True(udp.IsChecksumValid(ip.PseudoHeaderSum()));
    }
}

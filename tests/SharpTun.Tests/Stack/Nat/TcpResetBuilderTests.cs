using SharpTun.Stack.Nat;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack.Nat;

public sealed class TcpResetBuilderTests
{
    private static readonly NatEndpoint App = NatPackets.Endpoint("10.0.0.2", 40000);
    private static readonly NatEndpoint Remote = NatPackets.Endpoint("93.184.216.34", 443);

    [Fact]
    public void TryBuild_Ipv4Syn_WritesKnownBytes()
    {
        var reply = new byte[TcpResetBuilder.MaximumLength];
        int length = TcpResetBuilder.TryBuild(NatPackets.Tcp(App, Remote, TcpFlags.Syn, sequence: 1000), reply);
        byte[] expected =
        [
            0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xFA, 0xF3, // DF, TTL 64, TCP, checksum
            0x5D, 0xB8, 0xD8, 0x22, 0x0A, 0x00, 0x00, 0x02,                         // 93.184.216.34 -> 10.0.0.2
            0x01, 0xBB, 0x9C, 0x40,                                                 // 443 -> 40000
            0x00, 0x00, 0x00, 0x00,                                                 // SEQ = 0
            0x00, 0x00, 0x03, 0xE9,                                                 // ACK = 1000 + 1 (the SYN)
            0x50, 0x14, 0x00, 0x00,                                                 // RST, ACK; window 0
            0xCE, 0x0F, 0x00, 0x00,                                                 // checksum, urgent
        ];
        Assert.Equal(expected, reply.AsSpan(0, length).ToArray());
        NatPackets.ReadValidTcp(reply.AsSpan(0, length));
    }

    [Fact]
    public void TryBuild_SynWithDataAndFin_AcknowledgesWholeSegmentLength()
    {
        var reply = new byte[TcpResetBuilder.MaximumLength];
        int length = TcpResetBuilder.TryBuild(NatPackets.Tcp(App, Remote, TcpFlags.Syn | TcpFlags.Fin, sequence: uint.MaxValue, payloadLength: 10), reply);
        var header = NatPackets.ReadTcpHeader(reply.AsSpan(0, length));
        Assert.Equal(11u, header.AcknowledgmentNumber); // wraps: 2^32 - 1 + 10 + SYN + FIN
    }

    [Fact]
    public void TryBuild_SegmentWithAck_ResetsAtItsAcknowledgment()
    {
        var reply = new byte[TcpResetBuilder.MaximumLength];
        int length = TcpResetBuilder.TryBuild(NatPackets.Tcp(App, Remote, TcpFlags.Ack | TcpFlags.Psh, 1000, 987654, payloadLength: 5), reply);
        Assert.Equal(40, length);
        var header = NatPackets.ReadTcpHeader(reply);
        Assert.Equal(TcpFlags.Rst, header.Flags);
        Assert.Equal(987654u, header.SequenceNumber);
        Assert.Equal(0u, header.AcknowledgmentNumber);
        Assert.Equal((Remote, App), NatPackets.ReadValidTcp(reply.AsSpan(0, length)));
    }

    [Fact]
    public void TryBuild_Ipv6Syn_BuildsValidReset()
    {
        var app = NatPackets.Endpoint("fd00:7::1", 40000);
        var remote = NatPackets.Endpoint("2606:2800:220:1::248", 443);
        var reply = new byte[TcpResetBuilder.MaximumLength];
        int length = TcpResetBuilder.TryBuild(NatPackets.Tcp(app, remote, TcpFlags.Syn, sequence: 41), reply);
        Assert.Equal(60, length);
        Assert.Equal([0x60, 0, 0, 0, 0x00, 0x14, 0x06, 0x40], reply[..8]);
        Assert.Equal((remote, app), NatPackets.ReadValidTcp(reply.AsSpan(0, length)));
        var header = NatPackets.ReadTcpHeader(reply);
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, header.Flags);
        Assert.Equal(42u, header.AcknowledgmentNumber);
    }

    [Fact]
    public void TryBuild_Reset_ReturnsZero() =>
        Assert.Equal(0, TcpResetBuilder.TryBuild(NatPackets.Tcp(App, Remote, TcpFlags.Rst | TcpFlags.Ack), new byte[TcpResetBuilder.MaximumLength]));
}

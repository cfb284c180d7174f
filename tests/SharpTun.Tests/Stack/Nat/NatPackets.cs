using System.Net;
using SharpTun.Stack.Nat;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack.Nat;

/// <summary>TCP packets with valid checksums, built with the wire layer, and their full checks.</summary>
internal static class NatPackets
{
    public static NatEndpoint Endpoint(string address, ushort port) =>
        NatEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse(address), port));

    public static byte[] Tcp(NatEndpoint source, NatEndpoint destination, TcpFlags flags, uint sequence = 1000, uint acknowledgment = 0, int payloadLength = 0)
    {
        int ipHeaderLength = source.IsIPv6 ? Ipv6Packet.HeaderLength : Ipv4Packet.MinimumHeaderLength;
        var packet = new byte[ipHeaderLength + TcpSegment.MinimumHeaderLength + payloadLength];
        int tcpLength = TcpSegment.MinimumHeaderLength + payloadLength;
        if (source.IsIPv6)
            new Ipv6Header { NextHeader = IpProtocol.Tcp, Source = source.Address, Destination = destination.Address, PayloadLength = tcpLength }.Emit(packet);
        else
            new Ipv4Header { Protocol = IpProtocol.Tcp, Source = (uint)source.Address, Destination = (uint)destination.Address, PayloadLength = tcpLength, DontFragment = true, Identification = 0x1234 }.Emit(packet);
        var tcp = packet.AsSpan(ipHeaderLength);
        new TcpHeader
        {
            SourcePort = source.Port,
            DestinationPort = destination.Port,
            SequenceNumber = sequence,
            AcknowledgmentNumber = acknowledgment,
            Flags = flags,
            WindowSize = 64240,
        }.Emit(tcp);
        for (int i = 0; i < payloadLength; i++)
            tcp[TcpSegment.MinimumHeaderLength + i] = (byte)(i * 7 + 3);
        TcpSegment.CreateUnchecked(tcp).UpdateChecksum(PseudoSum(packet));
        return packet;
    }

    /// <summary>Source and destination endpoints of a TCP packet, asserting that every checksum is right by full recomputation.</summary>
    public static (NatEndpoint Source, NatEndpoint Destination) ReadValidTcp(Span<byte> packet)
    {
        if (IpPacket.GetVersion(packet) == IpVersion.V4)
        {
            Assert.True(Ipv4Packet.TryParse(packet, out var ip));
            Assert.True(ip.IsHeaderChecksumValid, "IPv4 header checksum");
            Assert.True(TcpSegment.TryParse(ip.Payload, out var tcp));
            Assert.True(tcp.IsChecksumValid(ip.PseudoHeaderSum()), "TCP checksum");
            return (NatEndpoint.V4(ip.Source, tcp.SourcePort), NatEndpoint.V4(ip.Destination, tcp.DestinationPort));
        }
        Assert.True(Ipv6Packet.TryParse(packet, out var ip6));
        Assert.True(TcpSegment.TryParse(ip6.UpperLayerPayload, out var tcp6));
        Assert.True(tcp6.IsChecksumValid(ip6.PseudoHeaderSum()), "TCP checksum");
        return (NatEndpoint.V6(ip6.Source, tcp6.SourcePort), NatEndpoint.V6(ip6.Destination, tcp6.DestinationPort));
    }

    /// <summary>
    /// Turns a packet's complete TCP checksum into the partial one a TUN with offload hands over
    /// (VIRTIO_NET_HDR_F_NEEDS_CSUM): the folded, uncomplemented pseudo-header sum.
    /// </summary>
    public static byte[] WithPartialChecksum(byte[] packet)
    {
        TcpAt(packet).Checksum = (ushort)~Checksum.Fold(PseudoSum(packet));
        return packet;
    }

    /// <summary>
    /// Finishes a partial TCP checksum as the kernel does for NEEDS_CSUM (skb_checksum_help): the sum
    /// from the TCP header to the end, with the partial value in the checksum field, folded and complemented.
    /// </summary>
    public static void CompletePartialChecksum(Span<byte> packet)
    {
        var tcp = TcpAt(packet);
        int offset = IpPacket.GetVersion(packet) == IpVersion.V4 ? Ipv4Packet.MinimumHeaderLength : Ipv6Packet.HeaderLength;
        tcp.Checksum = Checksum.Compute(packet[offset..]);
    }

    private static TcpSegment TcpAt(Span<byte> packet)
    {
        int offset = IpPacket.GetVersion(packet) == IpVersion.V4 ? Ipv4Packet.MinimumHeaderLength : Ipv6Packet.HeaderLength;
        return TcpSegment.CreateUnchecked(packet[offset..]);
    }

    public static TcpHeader ReadTcpHeader(Span<byte> packet)
    {
        int offset = IpPacket.GetVersion(packet) == IpVersion.V4 ? Ipv4Packet.MinimumHeaderLength : Ipv6Packet.HeaderLength;
        return TcpSegment.CreateUnchecked(packet[offset..]).ToHeader();
    }

    private static uint PseudoSum(Span<byte> packet) => IpPacket.GetVersion(packet) == IpVersion.V4
        ? Ipv4Packet.CreateUnchecked(packet).PseudoHeaderSum()
        : Ipv6Packet.CreateUnchecked(packet).PseudoHeaderSum();
}

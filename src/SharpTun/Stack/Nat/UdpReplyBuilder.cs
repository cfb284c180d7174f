using SharpTun.Wire;

namespace SharpTun.Stack.Nat;

/// <summary>
/// Builds the IP/UDP packet that carries a datagram from a remote R:rp back to the app's S:sp, in
/// front of the payload where it already lies: receive into <c>buffer[Headroom..]</c>, build, write
/// the returned span to the TUN. No copy, no allocation.
/// </summary>
public static class UdpReplyBuilder
{
    /// <summary>Bytes before an IPv4 reply's payload: the IPv4 header and the UDP header.</summary>
    public const int Ipv4HeaderLength = Ipv4Packet.MinimumHeaderLength + UdpDatagram.HeaderLength;

    /// <summary>Bytes before an IPv6 reply's payload: the IPv6 header and the UDP header.</summary>
    public const int Ipv6HeaderLength = Ipv6Packet.HeaderLength + UdpDatagram.HeaderLength;

    /// <summary>Headroom that fits either family: receive payloads at this offset.</summary>
    public const int Headroom = Ipv6HeaderLength;

    /// <summary>Hop limit of the replies we originate (Linux's default ip_default_ttl).</summary>
    public const byte ReplyHopLimit = 64;

    /// <summary>
    /// Writes the IP and UDP headers for a payload of <paramref name="payloadLength"/> bytes at
    /// <paramref name="payloadOffset"/> in <paramref name="buffer"/>, immediately before it, and returns
    /// the whole packet. The UDP checksum is always computed (mandatory over IPv6, RFC 8200 §8.1; a
    /// computed 0 is sent as 0xFFFF, RFC 768), so the kernel's check of packets written into the TUN passes.
    /// </summary>
    /// <param name="buffer">Headroom, then the payload.</param>
    /// <param name="payloadOffset">Where the payload starts; at least the header length of the family.</param>
    /// <param name="payloadLength">The payload's length.</param>
    /// <param name="remote">The reply's source R:rp (the remote that answered).</param>
    /// <param name="app">The reply's destination S:sp (the app's source endpoint).</param>
    /// <exception cref="ArgumentException">The families differ, the headroom is too small, or the payload too long for one packet.</exception>
    public static Span<byte> Build(Span<byte> buffer, int payloadOffset, int payloadLength, NatEndpoint remote, NatEndpoint app)
    {
        if (remote.IsIPv6 != app.IsIPv6)
            throw new ArgumentException($"the remote {remote} and the app {app} are of different address families", nameof(remote));
        int headerLength = app.IsIPv6 ? Ipv6HeaderLength : Ipv4HeaderLength;
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadOffset, headerLength);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, buffer.Length - payloadOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, ushort.MaxValue - headerLength);

        var packet = buffer.Slice(payloadOffset - headerLength, headerLength + payloadLength);
        int udpLength = UdpDatagram.HeaderLength + payloadLength;
        int ipHeaderLength;
        if (app.IsIPv6)
        {
            ipHeaderLength = new Ipv6Header
            {
                HopLimit = ReplyHopLimit,
                NextHeader = IpProtocol.Udp,
                Source = remote.Address,
                Destination = app.Address,
                PayloadLength = udpLength,
            }.Emit(packet);
        }
        else
        {
            ipHeaderLength = new Ipv4Header
            {
                TimeToLive = ReplyHopLimit,
                Protocol = IpProtocol.Udp,
                Source = (uint)remote.Address,
                Destination = (uint)app.Address,
                PayloadLength = udpLength,
            }.Emit(packet);
        }
        var udp = packet[ipHeaderLength..];
        new UdpHeader { SourcePort = remote.Port, DestinationPort = app.Port, PayloadLength = payloadLength }.Emit(udp);
        uint pseudoHeaderSum = app.IsIPv6
            ? PseudoHeader.SumV6(packet.Slice(Ipv6Packet.Field.SourceAddress, 16), packet.Slice(Ipv6Packet.Field.DestinationAddress, 16), (byte)IpProtocol.Udp, udpLength)
            : PseudoHeader.SumV4(packet.Slice(Ipv4Packet.Field.SourceAddress, 4), packet.Slice(Ipv4Packet.Field.DestinationAddress, 4), (byte)IpProtocol.Udp, udpLength);
        UdpDatagram.CreateUnchecked(udp).UpdateChecksum(pseudoHeaderSum);
        return packet;
    }
}

using SharpTun.Wire;

namespace SharpTun.Stack.Nat;

/// <summary>
/// Builds the RST a closed port sends in answer to a segment (RFC 9293 §3.10.7.1), addressed back to
/// the segment's sender, with valid IP and TCP checksums: what the app (or the kernel's listener)
/// receives for a refused or unknown flow.
/// </summary>
public static class TcpResetBuilder
{
    /// <summary>The longest reply: an IPv6 header and a TCP header without options.</summary>
    public const int MaximumLength = Ipv6Packet.HeaderLength + TcpSegment.MinimumHeaderLength;

    /// <summary>Hop limit of the resets we originate (Linux's default ip_default_ttl).</summary>
    public const byte ReplyHopLimit = 64;

    /// <summary>
    /// Writes into <paramref name="destination"/> the RST answering <paramref name="segment"/> (an
    /// IPv4 or IPv6 TCP packet as read from the TUN, not rewritten) and returns its length; 0 when no
    /// RST is due: the packet is malformed or not TCP, or is itself an RST (never answer an RST,
    /// RFC 9293 §3.10.7.1). The reply is: if the segment carried ACK, <c>SEQ=SEG.ACK, CTL=RST</c>;
    /// otherwise <c>SEQ=0, ACK=SEG.SEQ+SEG.LEN, CTL=RST,ACK</c>, where SEG.LEN counts the data plus
    /// one for SYN and one for FIN (RFC 9293 §3.4).
    /// </summary>
    /// <param name="segment">The offending packet; read only.</param>
    /// <param name="destination">At least <see cref="MaximumLength"/> bytes for any reply.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short for the reply.</exception>
    public static int TryBuild(Span<byte> segment, Span<byte> destination)
    {
        switch (IpPacket.GetVersion(segment))
        {
            case IpVersion.V4:
                if (!Ipv4Packet.TryParse(segment, out var ip4) || ip4.Protocol != IpProtocol.Tcp || ip4.IsFragment
                    || !TcpSegment.TryParse(ip4.Payload, out var tcp4) || (tcp4.Flags & TcpFlags.Rst) != 0)
                    return 0;
                int length4 = Ipv4Packet.MinimumHeaderLength + TcpSegment.MinimumHeaderLength;
                ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length4, nameof(destination));
                new Ipv4Header
                {
                    DontFragment = true,
                    TimeToLive = ReplyHopLimit,
                    Protocol = IpProtocol.Tcp,
                    Source = ip4.Destination,
                    Destination = ip4.Source,
                    PayloadLength = TcpSegment.MinimumHeaderLength,
                }.Emit(destination);
                var reply4 = destination[Ipv4Packet.MinimumHeaderLength..length4];
                WriteReset(tcp4, reply4);
                TcpSegment.CreateUnchecked(reply4).UpdateChecksum(
                    PseudoHeader.SumV4(destination.Slice(Ipv4Packet.Field.SourceAddress, 4), destination.Slice(Ipv4Packet.Field.DestinationAddress, 4),
                        (byte)IpProtocol.Tcp, TcpSegment.MinimumHeaderLength));
                return length4;
            case IpVersion.V6:
                if (!Ipv6Packet.TryParse(segment, out var ip6) || ip6.UpperLayerProtocol != IpProtocol.Tcp || ip6.IsFragment
                    || !TcpSegment.TryParse(ip6.UpperLayerPayload, out var tcp6) || (tcp6.Flags & TcpFlags.Rst) != 0)
                    return 0;
                ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MaximumLength, nameof(destination));
                new Ipv6Header
                {
                    HopLimit = ReplyHopLimit,
                    NextHeader = IpProtocol.Tcp,
                    Source = ip6.Destination,
                    Destination = ip6.Source,
                    PayloadLength = TcpSegment.MinimumHeaderLength,
                }.Emit(destination);
                var reply6 = destination[Ipv6Packet.HeaderLength..MaximumLength];
                WriteReset(tcp6, reply6);
                TcpSegment.CreateUnchecked(reply6).UpdateChecksum(
                    PseudoHeader.SumV6(destination.Slice(Ipv6Packet.Field.SourceAddress, 16), destination.Slice(Ipv6Packet.Field.DestinationAddress, 16),
                        (byte)IpProtocol.Tcp, TcpSegment.MinimumHeaderLength));
                return MaximumLength;
            default:
                return 0;
        }
    }

    private static void WriteReset(TcpSegment offending, Span<byte> reply)
    {
        var flags = offending.Flags;
        bool hasAck = (flags & TcpFlags.Ack) != 0;
        uint segmentLength = (uint)offending.Payload.Length
            + ((flags & TcpFlags.Syn) != 0 ? 1u : 0u) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
        new TcpHeader
        {
            SourcePort = offending.DestinationPort,
            DestinationPort = offending.SourcePort,
            SequenceNumber = hasAck ? offending.AcknowledgmentNumber : 0,
            AcknowledgmentNumber = hasAck ? 0 : unchecked(offending.SequenceNumber + segmentLength),
            Flags = hasAck ? TcpFlags.Rst : TcpFlags.Rst | TcpFlags.Ack,
        }.Emit(reply);
    }
}

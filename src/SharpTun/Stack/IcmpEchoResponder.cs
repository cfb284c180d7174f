using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Stack;

/// <summary>
/// Turns an ICMP echo request (RFC 792) or ICMPv6 echo request (RFC 4443 §4.1) into the matching
/// echo reply in place, the way a host answers ping: addresses swapped, type changed, checksums
/// fixed incrementally. Anything else (other ICMP types, fragments, corrupt checksums, requests to
/// multicast or broadcast addresses) is left alone and reported as not answered.
/// </summary>
public static class IcmpEchoResponder
{
    /// <summary>Hop limit of the replies we originate (Linux's default ip_default_ttl).</summary>
    public const byte ReplyHopLimit = 64;

    /// <summary>
    /// Rewrites <paramref name="packet"/> into its echo reply when it is a valid echo request.
    /// Returns the reply's length (it can be shorter than the request: IPv6 extension headers of the
    /// request are not echoed), or 0 when the packet is not something to answer.
    /// </summary>
    public static int TryAnswer(Span<byte> packet) => IpPacket.GetVersion(packet) switch
    {
        IpVersion.V4 => TryAnswerV4(packet),
        IpVersion.V6 => TryAnswerV6(packet),
        _ => 0,
    };

    private static int TryAnswerV4(Span<byte> packet)
    {
        if (!Ipv4Packet.TryParse(packet, out var ip) || ip.Protocol != IpProtocol.Icmp || ip.IsFragment
            || !ip.IsHeaderChecksumValid || ip.IsDestinationMulticastOrBroadcast)
            return 0;
        if (!IcmpV4Packet.TryParse(ip.Payload, out var icmp) || icmp.Type != IcmpV4Type.EchoRequest
            || icmp.Code != 0 || !icmp.IsChecksumValid)
            return 0;

        icmp.SetTypeAndCode(IcmpV4Type.EchoReply, 0);
        ip.SwapAddresses();
        ip.TimeToLive = ReplyHopLimit;
        ip.UpdateHeaderChecksum();
        return ip.TotalLength;
    }

    private static int TryAnswerV6(Span<byte> packet)
    {
        if (!Ipv6Packet.TryParse(packet, out var ip) || ip.UpperLayerProtocol != IpProtocol.IcmpV6 || ip.IsFragment
            || ip.IsDestinationMulticast)
            return 0;
        var pseudoHeaderSum = PseudoHeader.SumV6(ip.SourceAddress, ip.DestinationAddress, (byte)IpProtocol.IcmpV6, ip.UpperLayerPayload.Length);
        if (!IcmpV6Packet.TryParse(ip.UpperLayerPayload, out var icmp) || icmp.Type != IcmpV6Type.EchoRequest
            || icmp.Code != 0 || !icmp.IsChecksumValid(pseudoHeaderSum))
            return 0;

        // The pseudo-header is unchanged by the swap (addition commutes) and by dropping extension
        // headers (it covers only the ICMPv6 message), so updating for the type change is enough.
        icmp.SetTypeAndCode(IcmpV6Type.EchoReply, 0);
        var messageLength = icmp.Bytes.Length;
        if (ip.UpperLayerOffset != Ipv6Packet.HeaderLength)
        {
            ip.UpperLayerPayload[..messageLength].CopyTo(packet[Ipv6Packet.HeaderLength..]);
            packet[Ipv6Packet.Field.NextHeader] = (byte)IpProtocol.IcmpV6;
        }
        BinaryPrimitives.WriteUInt16BigEndian(packet[Ipv6Packet.Field.PayloadLength..], (ushort)messageLength);
        ip.SwapAddresses();
        ip.HopLimit = ReplyHopLimit;
        return Ipv6Packet.HeaderLength + messageLength;
    }
}

using SharpTun.Wire;

namespace SharpTun.Stack.Nat;

/// <summary>
/// An ICMP echo request (RFC 792) or ICMPv6 echo request (RFC 4443 §4.1) read from the TUN, checked
/// and taken apart for forwarding: who sent it with which identifier (the key of its mapping, with
/// the identifier in the port's place), where it goes, and the ICMP message itself, in the packet.
/// </summary>
public readonly ref struct IcmpEchoRequest
{
    private IcmpEchoRequest(NatEndpoint app, UInt128 destination, Span<byte> message)
    {
        App = app;
        Destination = destination;
        Message = message;
    }

    /// <summary>The app's address, with its echo Identifier as the port.</summary>
    public NatEndpoint App { get; }

    /// <summary>The destination address as a number in network order (see <see cref="NatEndpoint"/>).</summary>
    public UInt128 Destination { get; }

    /// <summary>The ICMP or ICMPv6 message (header and data), inside the packet.</summary>
    public Span<byte> Message { get; }

    /// <summary>
    /// True for a well-formed echo request with a valid checksum to a unicast address; false (never
    /// an exception) for anything else: other ICMP types, fragments, truncated or corrupt packets,
    /// multicast or broadcast destinations, which are not forwarded.
    /// </summary>
    public static bool TryParse(Span<byte> packet, out IcmpEchoRequest request)
    {
        request = default;
        switch (IpPacket.GetVersion(packet))
        {
            case IpVersion.V4:
            {
                if (!Ipv4Packet.TryParse(packet, out var ip) || ip.Protocol != IpProtocol.Icmp || ip.IsFragment
                    || !ip.IsHeaderChecksumValid || ip.IsDestinationMulticastOrBroadcast)
                    return false;
                var message = ip.Payload;
                if (!IcmpV4Packet.TryParse(message, out var icmp) || icmp.Type != IcmpV4Type.EchoRequest || icmp.Code != 0 || !icmp.IsChecksumValid)
                    return false;
                request = new IcmpEchoRequest(NatEndpoint.V4(ip.Source, icmp.Identifier), ip.Destination, message);
                return true;
            }
            case IpVersion.V6:
            {
                if (!Ipv6Packet.TryParse(packet, out var ip) || ip.UpperLayerProtocol != IpProtocol.IcmpV6 || ip.IsFragment || ip.IsDestinationMulticast)
                    return false;
                var message = ip.UpperLayerPayload;
                var pseudoHeaderSum = PseudoHeader.SumV6(ip.SourceAddress, ip.DestinationAddress, (byte)IpProtocol.IcmpV6, message.Length);
                if (!IcmpV6Packet.TryParse(message, out var icmp) || icmp.Type != IcmpV6Type.EchoRequest || icmp.Code != 0 || !icmp.IsChecksumValid(pseudoHeaderSum))
                    return false;
                request = new IcmpEchoRequest(NatEndpoint.V6(ip.Source, icmp.Identifier), ip.Destination, message);
                return true;
            }
            default:
                return false;
        }
    }
}

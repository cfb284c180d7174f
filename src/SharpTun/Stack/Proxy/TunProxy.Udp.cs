using System.Net.Sockets;
using SharpTun.Dns;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;
using SharpTun.Proxy.Rules;
using SharpTun.Stack.Nat;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Stack.Proxy;

// UDP: DNS queries answered on the TUN, every other datagram through its source endpoint's association.
public sealed partial class TunProxy
{
    private PacketBuffer? DispatchUdp(PacketBuffer buffer, int ipHeaderLength, TunQueueLoop loop)
    {
        var packet = buffer.Packet;
        if (!UdpDatagram.TryParse(packet[ipHeaderLength..], out var udp))
            return null;
        NatEndpoint source, destination;
        if (IpPacket.GetVersion(packet) == IpVersion.V4)
        {
            var ip = Ipv4Packet.CreateUnchecked(packet);
            if (ip.IsDestinationMulticastOrBroadcast)
                return null; // multicast and broadcast are not proxied
            source = NatEndpoint.V4(ip.Source, udp.SourcePort);
            destination = NatEndpoint.V4(ip.Destination, udp.DestinationPort);
        }
        else
        {
            var ip = Ipv6Packet.CreateUnchecked(packet);
            if (ip.IsDestinationMulticast)
                return null;
            source = NatEndpoint.V6(ip.Source, udp.SourcePort);
            destination = NatEndpoint.V6(ip.Destination, udp.DestinationPort);
        }
        var payloadOffset = buffer.Offset + ipHeaderLength + UdpDatagram.HeaderLength;
        if (_dns is not null && _dns.Serves(destination))
            return AnswerDns(buffer, payloadOffset, udp.Payload.Length, source, destination, loop);
        var payload = new ArraySegment<byte>(buffer.Array, payloadOffset, udp.Payload.Length);
        try
        {
            if (!_udp.GetOrAdd(source, destination).Send(destination, payload))
                Interlocked.Increment(ref _udpDropped);
        }
        catch (SocketException e)
        {
            Interlocked.Increment(ref _udpDropped);
            LogUdpFailed(source, destination, e.Message);
        }
        return null;
    }

    /// <summary>
    /// Answers a DNS query in place when the server can without an upstream (a fake address): the
    /// answer replaces the query in its buffer as an IP/UDP packet from the address the query went
    /// to, and the loop writes it with the batch. Otherwise the query is copied and answered when
    /// the upstreams have (<see cref="ForwardDnsAsync"/>).
    /// </summary>
    private PacketBuffer? AnswerDns(PacketBuffer buffer, int payloadOffset, int payloadLength, NatEndpoint app, NatEndpoint server, TunQueueLoop loop)
    {
        var query = buffer.Array.AsSpan(payloadOffset, payloadLength);
        var answer = loop.DnsScratch;
        var length = _dns!.Server.TryAnswer(query, answer);
        if (length == DnsServer.Ignore)
            return null;
        if (length == DnsServer.NeedsUpstream)
        {
            _background.Track(ForwardDnsAsync(query.ToArray(), app, server));
            return null;
        }
        answer.AsSpan(0, length).CopyTo(buffer.Array.AsSpan(UdpReplyBuilder.Headroom));
        var reply = UdpReplyBuilder.Build(buffer.Array, UdpReplyBuilder.Headroom, length, server, app);
        buffer.Offset = UdpReplyBuilder.Headroom - (reply.Length - length);
        buffer.Length = reply.Length;
        buffer.Offload = default; // the reply's checksum is complete
        return buffer;
    }

    private async Task ForwardDnsAsync(byte[] query, NatEndpoint app, NatEndpoint server)
    {
        var reply = new PacketBuffer(UdpReplyBuilder.Headroom + DnsServer.MaximumUdpPayload, headroom: 0);
        int length;
        try
        {
            length = await _dns!.Server.AnswerAsync(query, reply.Array.AsMemory(UdpReplyBuilder.Headroom, DnsServer.MaximumUdpPayload), overUdp: true, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stopping
        }
        if (length <= 0)
            return;
        var packet = UdpReplyBuilder.Build(reply.Array, UdpReplyBuilder.Headroom, length, server, app);
        reply.Offset = UdpReplyBuilder.Headroom - (packet.Length - length);
        reply.Length = packet.Length;
        _replyQueue.Write([reply]);
    }

    /// <summary>
    /// The association of a new app source endpoint: the rules decide on its first datagram's
    /// destination (with the domain when it is a fake address; IP rules are not resolved here, the
    /// decision is made on the reading thread), and the outbound decides the kind. An outbound that
    /// carries no UDP (HTTP CONNECT, reject) gets an association that drops and counts.
    /// </summary>
    private UdpAssociation CreateUdpAssociation(NatEndpoint app, NatEndpoint firstDestination)
    {
        string? domain = null;
        if (_fakeIps is not null && _fakeIps.IsFake(firstDestination))
            _fakeIps.TryGetDomain(firstDestination, out domain);
        string? processName = null;
        if (_router.UsesProcessNames && _options.ProcessNames is { } lookup
            && lookup(RuleNetwork.Udp, app, firstDestination, _stopping.Token) is { IsCompletedSuccessfully: true } known)
            processName = known.Result;
        var (routed, reason) = _router.Decide(RuleNetwork.Udp, app, firstDestination, domain, processName);
        UdpAssociation association = routed.Outbound switch
        {
            DirectOutbound direct => new DirectUdpAssociation(app, _replyQueue, direct.SocketOptions) { Resolve = _router.Resolver },
            Socks5Outbound socks5 => new Socks5UdpFlow(app, _replyQueue, socks5, _logger),
            _ => new DroppingUdpAssociation(app, _replyQueue),
        };
        association.FakeAddresses = _fakeIps;
        association.OutboundName = reason == "default" ? routed.Description : $"{routed.Description} by {reason}";
        return association;
    }
}

using SharpTun.Wire;

namespace SharpTun.Stack.Nat;

/// <summary>
/// The per-packet step of the system-stack TCP NAT. For a TCP packet read from the TUN it finds the
/// session and rewrites the packet in place, with RFC 1624 incremental checksum updates of the IPv4
/// header and of the TCP checksum (which covers the pseudo-header, so address changes count):
/// <list type="bullet">
/// <item>from the app, S:sp -> D:dp becomes V:vp -> L:lp (the listener on the TUN address);</item>
/// <item>from the listener, L:lp -> V:vp becomes D:dp -> S:sp.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>
/// Reader loop: <c>verdict = Rewrite(packet, out session)</c>; on <see cref="NatVerdict.Forward"/>
/// write the packet back; on <see cref="NatVerdict.NewFlow"/> decide, then either
/// <see cref="TcpNatTable.Admit"/> and <see cref="Rewrite"/> again, or <see cref="TcpNatTable.Refuse"/>
/// and answer; on <see cref="NatVerdict.Reset"/> or <see cref="NatVerdict.ResetPoolExhausted"/> write
/// <see cref="TcpResetBuilder.TryBuild"/>'s reply; otherwise drop. Deciding before the SYN reaches the
/// kernel means a refused flow sees "connection refused", not "connected" then a reset.
/// </para>
/// <para>
/// Checksums are not verified: an incremental update keeps a corrupt checksum corrupt, and the
/// kernel, which verifies every segment written into a TUN, drops it. IPv4 fragments and IPv6
/// packets with extension headers are dropped (a Routing header would change the pseudo-header;
/// the kernel's TCP sends neither). An app's packet is not mistaken for the listener's: Linux does
/// not pick as a connect() source port one that a bound socket (the listener) holds on that address
/// (__inet_hash_connect skips ports in the bind hash).
/// </para>
/// <para>
/// A packet read from a TUN with offload may carry a partial checksum (<c>checksumIsPartial</c>,
/// VIRTIO_NET_HDR_F_NEEDS_CSUM): its TCP checksum field then holds the folded, uncomplemented sum of
/// the pseudo-header only, and whoever finishes it sums the TCP header and data (ports included)
/// on top. So only the address changes are applied, as a plain ones'-complement sum, and the port
/// changes are left to that final pass, as Linux's inet_proto_csum_replace4 does for
/// CHECKSUM_PARTIAL. The IPv4 header checksum is always complete and updated as usual.
/// </para>
/// <para>Allocates nothing per packet; thread-safe (one instance can serve several TUN queues).</para>
/// </remarks>
public sealed class TcpNatRewriter
{
    private readonly TcpNatTable _table;
    private readonly ushort _listenerPort;

    /// <summary>Creates the rewriter over <paramref name="table"/>.</summary>
    public TcpNatRewriter(TcpNatTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
        _listenerPort = table.Options.ListenerPort;
    }

    /// <summary>
    /// Classifies a packet read from the TUN and, for <see cref="NatVerdict.Forward"/> only, rewrites
    /// it in place (its length does not change). Never throws on malformed input.
    /// </summary>
    /// <param name="packet">One IP packet as read from the TUN.</param>
    /// <param name="session">The session for <see cref="NatVerdict.Forward"/>, <see cref="NatVerdict.NewFlow"/> and <see cref="NatVerdict.AwaitingDecision"/>; otherwise null.</param>
    public NatVerdict Rewrite(Span<byte> packet, out TcpNatSession? session) => Rewrite(packet, checksumIsPartial: false, out session);

    /// <summary>
    /// <see cref="Rewrite(Span{byte}, out TcpNatSession?)"/> for a packet whose TCP checksum may be
    /// partial (read with an offload header that has VIRTIO_NET_HDR_F_NEEDS_CSUM).
    /// </summary>
    public NatVerdict Rewrite(Span<byte> packet, bool checksumIsPartial, out TcpNatSession? session)
    {
        session = null;
        switch (IpPacket.GetVersion(packet))
        {
            case IpVersion.V4:
                if (!Ipv4Packet.TryParse(packet, out var ip4) || ip4.Protocol != IpProtocol.Tcp || ip4.IsFragment
                    || !TcpSegment.TryParse(ip4.Payload, out var tcp4))
                    return NatVerdict.Drop;
                return RewriteV4(ip4, tcp4, checksumIsPartial, out session);
            case IpVersion.V6:
                if (!Ipv6Packet.TryParse(packet, out var ip6) || ip6.NextHeader != IpProtocol.Tcp
                    || !TcpSegment.TryParse(ip6.Payload, out var tcp6))
                    return NatVerdict.Drop;
                return RewriteV6(ip6, tcp6, checksumIsPartial, out session);
            default:
                return NatVerdict.Drop;
        }
    }

    private NatVerdict RewriteV4(Ipv4Packet ip, TcpSegment tcp, bool checksumIsPartial, out TcpNatSession? session)
    {
        var pool = _table.PoolFor(isIPv6: false);
        var source = NatEndpoint.V4(ip.Source, tcp.SourcePort);
        var destination = NatEndpoint.V4(ip.Destination, tcp.DestinationPort);
        var verdict = Classify(pool, source, destination, tcp.Flags, out session, out var newSource, out var newDestination);
        if (verdict != NatVerdict.Forward)
            return verdict;

        uint oldSource = ip.Source, oldDestination = ip.Destination;
        uint newSourceAddress = (uint)newSource.Address, newDestinationAddress = (uint)newDestination.Address;
        ip.Source = newSourceAddress;
        ip.Destination = newDestinationAddress;
        ip.HeaderChecksum = IncrementalChecksum.Update(
            IncrementalChecksum.Update(ip.HeaderChecksum, oldSource, newSourceAddress), oldDestination, newDestinationAddress);
        // A partial checksum is an uncomplemented sum: complementing around the RFC 1624 update adds ~m + m' to it.
        ushort checksum = checksumIsPartial ? (ushort)~tcp.Checksum : tcp.Checksum;
        checksum = IncrementalChecksum.Update(IncrementalChecksum.Update(checksum, oldSource, newSourceAddress), oldDestination, newDestinationAddress);
        tcp.Checksum = checksumIsPartial
            ? RewritePortsOnly(tcp, (ushort)~checksum, newSource.Port, newDestination.Port)
            : RewritePorts(tcp, checksum, newSource.Port, newDestination.Port);
        return NatVerdict.Forward;
    }

    private NatVerdict RewriteV6(Ipv6Packet ip, TcpSegment tcp, bool checksumIsPartial, out TcpNatSession? session)
    {
        var pool = _table.PoolFor(isIPv6: true);
        var source = NatEndpoint.V6(ip.Source, tcp.SourcePort);
        var destination = NatEndpoint.V6(ip.Destination, tcp.DestinationPort);
        var verdict = Classify(pool, source, destination, tcp.Flags, out session, out var newSource, out var newDestination);
        if (verdict != NatVerdict.Forward)
            return verdict;

        // No IPv6 header checksum; only the TCP pseudo-header sees the addresses (RFC 8200 §8.1).
        ip.Source = newSource.Address;
        ip.Destination = newDestination.Address;
        ushort checksum = checksumIsPartial ? (ushort)~tcp.Checksum : tcp.Checksum;
        checksum = UpdateAddress(UpdateAddress(checksum, source.Address, newSource.Address), destination.Address, newDestination.Address);
        tcp.Checksum = checksumIsPartial
            ? RewritePortsOnly(tcp, (ushort)~checksum, newSource.Port, newDestination.Port)
            : RewritePorts(tcp, checksum, newSource.Port, newDestination.Port);
        return NatVerdict.Forward;
    }

    /// <summary>Finds the session and the new endpoints; the packet is not touched.</summary>
    private NatVerdict Classify(NatPool? pool, NatEndpoint source, NatEndpoint destination, TcpFlags flags,
        out TcpNatSession? session, out NatEndpoint newSource, out NatEndpoint newDestination)
    {
        session = null;
        newSource = default;
        newDestination = default;
        if (pool is null)
            return NatVerdict.Drop;
        bool isReset = (flags & TcpFlags.Rst) != 0;

        if (source.Address == pool.ListenerAddress && source.Port == _listenerPort)
        {
            // From the listener back to the app.
            if (!_table.TryGetByVirtualEndpoint(destination, out var back) || back.State == TcpNatSessionState.AwaitingDecision)
                return isReset ? NatVerdict.Drop : NatVerdict.Reset; // an RST for a kernel socket we forgot
            back.Observe(flags, fromApp: false, _table.CoarseNow);
            session = back;
            newSource = back.Destination;
            newDestination = back.Source;
            return NatVerdict.Forward;
        }

        var key = new TcpFlowKey(source, destination);
        bool isOpeningSyn = (flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn;
        if (!_table.TryGetByFlow(key, out var found) || (isOpeningSyn && found.State == TcpNatSessionState.Closing))
        {
            if (!isOpeningSyn)
                return isReset ? NatVerdict.Drop : NatVerdict.Reset;
            if (!_table.TryCreate(key, pool, out found, out bool created))
                return NatVerdict.ResetPoolExhausted;
            session = found;
            if (created)
                return NatVerdict.NewFlow;
        }
        session = found;
        switch (found.State)
        {
            case TcpNatSessionState.AwaitingDecision:
                return NatVerdict.AwaitingDecision;
            case TcpNatSessionState.Closed:
                session = null;
                return isReset ? NatVerdict.Drop : NatVerdict.Reset;
        }
        found.Observe(flags, fromApp: true, _table.CoarseNow);
        newSource = found.VirtualEndpoint;
        newDestination = new NatEndpoint(pool.ListenerAddress, _listenerPort, pool.IsIPv6);
        return NatVerdict.Forward;
    }

    private static ushort RewritePorts(TcpSegment tcp, ushort checksum, ushort newSourcePort, ushort newDestinationPort)
    {
        checksum = IncrementalChecksum.Update(checksum, tcp.SourcePort, newSourcePort);
        checksum = IncrementalChecksum.Update(checksum, tcp.DestinationPort, newDestinationPort);
        tcp.SourcePort = newSourcePort;
        tcp.DestinationPort = newDestinationPort;
        return checksum;
    }

    /// <summary>Sets the ports and returns <paramref name="checksum"/> unchanged: a partial checksum does not cover them yet.</summary>
    private static ushort RewritePortsOnly(TcpSegment tcp, ushort checksum, ushort newSourcePort, ushort newDestinationPort)
    {
        tcp.SourcePort = newSourcePort;
        tcp.DestinationPort = newDestinationPort;
        return checksum;
    }

    /// <summary>RFC 1624 update for a changed 128-bit address, as four 32-bit words.</summary>
    private static ushort UpdateAddress(ushort checksum, UInt128 oldAddress, UInt128 newAddress)
    {
        for (int shift = 96; shift >= 0; shift -= 32)
            checksum = IncrementalChecksum.Update(checksum, (uint)(oldAddress >> shift), (uint)(newAddress >> shift));
        return checksum;
    }
}

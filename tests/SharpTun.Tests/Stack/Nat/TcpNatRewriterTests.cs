using System.Net;
using SharpTun.Stack.Nat;
using SharpTun.TestSupport;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack.Nat;

public sealed class TcpNatRewriterTests
{
    private const ushort ListenerPort = 7890;
    private static readonly NatEndpoint App = NatPackets.Endpoint("198.18.0.1", 40000);
    private static readonly NatEndpoint Remote = NatPackets.Endpoint("93.184.216.34", 443);
    private static readonly NatEndpoint Listener = NatPackets.Endpoint("198.18.0.1", ListenerPort);
    private static readonly NatEndpoint App6 = NatPackets.Endpoint("fd00:7::1", 40000);
    private static readonly NatEndpoint Remote6 = NatPackets.Endpoint("2606:2800:220:1::248", 443);
    private static readonly NatEndpoint Listener6 = NatPackets.Endpoint("fd00:7::1", ListenerPort);

    private readonly ManualTimeProvider _time = new();
    private readonly NatPool _pool4;
    private readonly NatPool _pool6;
    private readonly TcpNatTable _table;
    private readonly TcpNatRewriter _rewriter;

    public TcpNatRewriterTests() : this("198.18.0.0/24", 1024, 65535)
    {
    }

    private TcpNatRewriterTests(string subnet4, ushort firstPort, ushort lastPort)
    {
        var ports = new NatPoolOptions { FirstPort = firstPort, LastPort = lastPort };
        _pool4 = new NatPool(IPNetwork.Parse(subnet4), IPAddress.Parse("198.18.0.1"), ports);
        _pool6 = new NatPool(IPNetwork.Parse("fd00:7::/64"), IPAddress.Parse("fd00:7::1"), ports);
        _table = new TcpNatTable(new TcpNatOptions { ListenerPort = ListenerPort }, _pool4, _pool6, _time);
        _rewriter = new TcpNatRewriter(_table);
    }

    private TcpNatSession OpenFlow(NatEndpoint app, NatEndpoint remote)
    {
        var syn = NatPackets.Tcp(app, remote, TcpFlags.Syn);
        Assert.Equal(NatVerdict.NewFlow, _rewriter.Rewrite(syn, out var session));
        Assert.True(_table.Admit(session!));
        Assert.Equal(NatVerdict.Forward, _rewriter.Rewrite(syn, out _));
        return session!;
    }

    private (NatEndpoint Source, NatEndpoint Destination) Forward(byte[] packet)
    {
        Assert.Equal(NatVerdict.Forward, _rewriter.Rewrite(packet, out _));
        return NatPackets.ReadValidTcp(packet);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rewrite_FullConnection_TranslatesBothWaysWithValidChecksums(bool ipv6)
    {
        var (app, remote, listener) = ipv6 ? (App6, Remote6, Listener6) : (App, Remote, Listener);

        var syn = NatPackets.Tcp(app, remote, TcpFlags.Syn, sequence: 1000);
        var untouched = syn.ToArray();
        Assert.Equal(NatVerdict.NewFlow, _rewriter.Rewrite(syn, out var session));
        Assert.Equal(untouched, syn);
        Assert.NotNull(session);
        Assert.Equal(app, session.Source);
        Assert.Equal(remote, session.Destination);
        Assert.Equal(TcpNatSessionState.AwaitingDecision, session.State);
        Assert.Equal(NatVerdict.AwaitingDecision, _rewriter.Rewrite(syn, out _));
        Assert.Equal(untouched, syn);

        Assert.True(_table.Admit(session));
        var virtualEndpoint = session.VirtualEndpoint;
        Assert.Equal((virtualEndpoint, listener), Forward(syn));
        Assert.Equal(1000u, NatPackets.ReadTcpHeader(syn).SequenceNumber);

        // accept() on the listener reports V:vp as the peer.
        Assert.True(_table.TryGetByVirtualEndpoint(NatEndpoint.FromIPEndPoint(virtualEndpoint.ToIPEndPoint()), out var accepted));
        Assert.Same(session, accepted);

        Assert.Equal((remote, app), Forward(NatPackets.Tcp(listener, virtualEndpoint, TcpFlags.Syn | TcpFlags.Ack, 5000, 1001)));
        Assert.Equal((virtualEndpoint, listener), Forward(NatPackets.Tcp(app, remote, TcpFlags.Ack | TcpFlags.Psh, 1001, 5001, payloadLength: 517)));
        Assert.Equal((remote, app), Forward(NatPackets.Tcp(listener, virtualEndpoint, TcpFlags.Ack | TcpFlags.Psh, 5001, 1518, payloadLength: 1400)));

        Assert.Equal((virtualEndpoint, listener), Forward(NatPackets.Tcp(app, remote, TcpFlags.Fin | TcpFlags.Ack, 1518, 6401)));
        Assert.Equal(TcpNatSessionState.Open, session.State);
        Assert.Equal((remote, app), Forward(NatPackets.Tcp(listener, virtualEndpoint, TcpFlags.Fin | TcpFlags.Ack, 6401, 1519)));
        Assert.Equal(TcpNatSessionState.Closing, session.State);

        // Within the grace period a retransmitted FIN and the last ACK are still translated.
        _time.Advance(_table.Options.ClosingGracePeriod / 2);
        Assert.Equal(0, _table.Expire());
        Assert.Equal((remote, app), Forward(NatPackets.Tcp(listener, virtualEndpoint, TcpFlags.Fin | TcpFlags.Ack, 6401, 1519)));
        Assert.Equal((virtualEndpoint, listener), Forward(NatPackets.Tcp(app, remote, TcpFlags.Ack, 1519, 6402)));

        _time.Advance(_table.Options.ClosingGracePeriod);
        Assert.Equal(1, _table.Expire());
        Assert.Equal(TcpNatSessionState.Closed, session.State);
        Assert.Equal(0, _table.Count);
        Assert.Equal(1, _table.Expired);
        var pool = ipv6 ? _pool6 : _pool4;
        Assert.False(pool.IsAllocated(virtualEndpoint));
        Assert.Equal(0, pool.InUse);
        Assert.Equal(NatVerdict.Reset, _rewriter.Rewrite(NatPackets.Tcp(app, remote, TcpFlags.Ack, 1519, 6402), out _));
        Assert.Equal(NatVerdict.Reset, _rewriter.Rewrite(NatPackets.Tcp(listener, virtualEndpoint, TcpFlags.Ack, 6402, 1519), out _));
        Assert.Equal(NatVerdict.Drop, _rewriter.Rewrite(NatPackets.Tcp(listener, virtualEndpoint, TcpFlags.Rst, 6402), out _));
    }

    [Fact]
    public void Rewrite_ResetFromApp_ClosesAndKeepsTranslatingDuringGrace()
    {
        var session = OpenFlow(App, Remote);
        Assert.Equal((session.VirtualEndpoint, Listener), Forward(NatPackets.Tcp(App, Remote, TcpFlags.Rst, 1001)));
        Assert.Equal(TcpNatSessionState.Closing, session.State);
        Assert.Equal((Remote, App), Forward(NatPackets.Tcp(Listener, session.VirtualEndpoint, TcpFlags.Ack, 5001, 1001)));
        _time.Advance(_table.Options.ClosingGracePeriod);
        Assert.Equal(1, _table.Expire());
        Assert.False(_pool4.IsAllocated(session.VirtualEndpoint));
    }

    [Fact]
    public void Expire_IdleOpenSession_ReleasesVirtualEndpoint()
    {
        var session = OpenFlow(App, Remote);
        _time.Advance(_table.Options.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _table.Expire()); // the periodic sweep also advances the table's coarse clock
        Forward(NatPackets.Tcp(App, Remote, TcpFlags.Ack, 1001, 1));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, _table.Expire());
        _time.Advance(_table.Options.IdleTimeout);
        Assert.Equal(1, _table.Expire());
        Assert.Equal(TcpNatSessionState.Closed, session.State);
        Assert.Equal(0, _pool4.InUse);
        Assert.Equal(1, _table.Expired);
    }

    [Fact]
    public void Expire_UndecidedSession_RemovedAfterDecisionTimeout()
    {
        Assert.Equal(NatVerdict.NewFlow, _rewriter.Rewrite(NatPackets.Tcp(App, Remote, TcpFlags.Syn), out var session));
        _time.Advance(_table.Options.DecisionTimeout);
        Assert.Equal(1, _table.Expire());
        Assert.False(_table.Admit(session!));
        Assert.Equal(0, _pool4.InUse);
    }

    [Fact]
    public void Refuse_NewFlow_ReleasesEndpointAndResetIsRefusal()
    {
        var syn = NatPackets.Tcp(App, Remote, TcpFlags.Syn, sequence: 77);
        Assert.Equal(NatVerdict.NewFlow, _rewriter.Rewrite(syn, out var session));
        Assert.True(_table.Refuse(session!));
        Assert.False(_table.Refuse(session!));
        Assert.Equal(0, _table.Count);
        Assert.Equal(0, _pool4.InUse);
        Assert.Equal(1, _table.RefusedByCaller);

        var reply = new byte[TcpResetBuilder.MaximumLength];
        int length = TcpResetBuilder.TryBuild(syn, reply);
        Assert.Equal((Remote, App), NatPackets.ReadValidTcp(reply.AsSpan(0, length)));
        var header = NatPackets.ReadTcpHeader(reply);
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, header.Flags);
        Assert.Equal(78u, header.AcknowledgmentNumber);
    }

    [Fact]
    public void Refuse_AdmittedSession_ReturnsFalseAndKeepsIt()
    {
        var session = OpenFlow(App, Remote);
        Assert.False(_table.Refuse(session));
        Assert.False(_table.Admit(session));
        Assert.Equal(TcpNatSessionState.Open, session.State);
        Assert.Equal(1, _table.Count);
        Assert.Equal(0, _table.RefusedByCaller);
    }

    [Theory]
    [InlineData(TcpFlags.Ack)]
    [InlineData(TcpFlags.Fin | TcpFlags.Ack)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack)]
    public void Rewrite_UnknownFlowNotOpeningSyn_ReturnsReset(TcpFlags flags)
    {
        var packet = NatPackets.Tcp(App, Remote, flags);
        var untouched = packet.ToArray();
        Assert.Equal(NatVerdict.Reset, _rewriter.Rewrite(packet, out var session));
        Assert.Null(session);
        Assert.Equal(untouched, packet);
        Assert.Equal(0, _table.Count);
    }

    [Fact]
    public void Rewrite_UnknownFlowReset_Drops() =>
        Assert.Equal(NatVerdict.Drop, _rewriter.Rewrite(NatPackets.Tcp(App, Remote, TcpFlags.Rst), out _));

    [Fact]
    public void Rewrite_PoolExhausted_ReturnsResetAndRecoversWhenFlowEnds()
    {
        var small = new TcpNatRewriterTests("198.18.0.0/30", 5000, 5001);
        var first = small.OpenFlow(App, Remote);
        var second = small.OpenFlow(App with { Port = 40001 }, Remote);
        var third = NatPackets.Tcp(App with { Port = 40002 }, Remote, TcpFlags.Syn);

        Assert.Equal(NatVerdict.ResetPoolExhausted, small._rewriter.Rewrite(third, out var none));
        Assert.Null(none);
        Assert.Equal(1, small._table.RefusedPoolExhausted);
        Assert.Equal(2, small._table.Count);
        Assert.Same(first, small._table.TryGetByVirtualEndpoint(first.VirtualEndpoint, out var stillFirst) ? stillFirst : null);
        Assert.NotEqual(0, TcpResetBuilder.TryBuild(third, new byte[TcpResetBuilder.MaximumLength]));

        small.Forward(NatPackets.Tcp(Listener, second.VirtualEndpoint, TcpFlags.Rst, 5001));
        small._time.Advance(small._table.Options.ClosingGracePeriod);
        Assert.Equal(1, small._table.Expire());
        Assert.Equal(NatVerdict.NewFlow, small._rewriter.Rewrite(third, out var recovered));
        Assert.Equal(second.VirtualEndpoint, recovered!.VirtualEndpoint);
    }

    [Fact]
    public void Rewrite_SynReopensClosingFlow_ReplacesSession()
    {
        var old = OpenFlow(App, Remote);
        Forward(NatPackets.Tcp(App, Remote, TcpFlags.Rst, 1001));
        Assert.Equal(NatVerdict.NewFlow, _rewriter.Rewrite(NatPackets.Tcp(App, Remote, TcpFlags.Syn, 90000), out var reopened));
        Assert.NotSame(old, reopened);
        Assert.Equal(TcpNatSessionState.Closed, old.State);
        Assert.NotEqual(old.VirtualEndpoint, reopened!.VirtualEndpoint);
        Assert.Equal(1, _table.Count);
        Assert.Equal(1, _pool4.InUse);
    }

    [Fact]
    public void Rewrite_SynRetransmitOfOpenFlow_ForwardsToSameEndpoint()
    {
        var session = OpenFlow(App, Remote);
        Assert.Equal((session.VirtualEndpoint, Listener), Forward(NatPackets.Tcp(App, Remote, TcpFlags.Syn)));
        Assert.Equal(1, _table.Created);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x45, 0x00, 0x00 })]
    [InlineData(new byte[] { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 })] // TCP with no segment
    [InlineData(new byte[] { 0x45, 0, 0, 24, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0 })] // UDP
    [InlineData(new byte[] { 0x60, 0, 0, 0, 0, 0xFF, 6, 64 })] // truncated IPv6
    [InlineData(new byte[] { 0x15, 0, 0, 0 })]
    public void Rewrite_MalformedOrNotTcp_DropsWithoutThrowing(byte[] packet)
    {
        Assert.Equal(NatVerdict.Drop, _rewriter.Rewrite(packet, out var session));
        Assert.Null(session);
        Assert.Equal(0, TcpResetBuilder.TryBuild(packet, new byte[TcpResetBuilder.MaximumLength]));
    }

    [Fact]
    public void Rewrite_Ipv4Fragment_Drops()
    {
        var packet = NatPackets.Tcp(App, Remote, TcpFlags.Syn);
        var ip = Ipv4Packet.CreateUnchecked(packet);
        ip.MoreFragments = true;
        ip.UpdateHeaderChecksum();
        Assert.Equal(NatVerdict.Drop, _rewriter.Rewrite(packet, out _));
    }

    [Fact]
    public void Rewrite_FamilyWithoutPool_Drops()
    {
        var pool = new NatPool(IPNetwork.Parse("198.18.0.0/24"), IPAddress.Parse("198.18.0.1"));
        var rewriter = new TcpNatRewriter(new TcpNatTable(new TcpNatOptions { ListenerPort = ListenerPort }, pool, null, _time));
        Assert.Equal(NatVerdict.Drop, rewriter.Rewrite(NatPackets.Tcp(App6, Remote6, TcpFlags.Syn), out _));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Rewrite_SeededRandomFlows_ChecksumsMatchFullRecomputation(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 500; i++)
        {
            bool ipv6 = random.Next(2) == 0;
            var app = RandomEndpoint(random, ipv6);
            var remote = RandomEndpoint(random, ipv6);
            var listener = ipv6 ? Listener6 : Listener;
            var syn = NatPackets.Tcp(app, remote, TcpFlags.Syn, (uint)random.NextInt64(uint.MaxValue));
            if (_rewriter.Rewrite(syn, out var session) != NatVerdict.NewFlow)
                continue; // a repeated random flow
            _table.Admit(session!);
            Assert.Equal((session!.VirtualEndpoint, listener), Forward(syn));
            var flags = (TcpFlags)random.Next(256) & ~(TcpFlags.Syn | TcpFlags.Rst) | TcpFlags.Ack;
            int length = random.Next(0, 301);
            Assert.Equal((session.VirtualEndpoint, listener), Forward(NatPackets.Tcp(app, remote, flags, payloadLength: length)));
            Assert.Equal((remote, app), Forward(NatPackets.Tcp(listener, session.VirtualEndpoint, flags, payloadLength: length + 1)));
        }
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Rewrite_PartialChecksums_CompleteToValidChecksumsAfterRewrite(int seed)
    {
        // A TUN with offload hands over packets whose TCP checksum is only the pseudo-header sum;
        // the kernel completes it over the rewritten ports and data when we write the packet back.
        var random = new Random(seed);
        for (int i = 0; i < 300; i++)
        {
            bool ipv6 = random.Next(2) == 0;
            var app = RandomEndpoint(random, ipv6);
            var remote = RandomEndpoint(random, ipv6);
            var listener = ipv6 ? Listener6 : Listener;
            var syn = NatPackets.WithPartialChecksum(NatPackets.Tcp(app, remote, TcpFlags.Syn, (uint)random.NextInt64(uint.MaxValue)));
            if (_rewriter.Rewrite(syn, checksumIsPartial: true, out var session) != NatVerdict.NewFlow)
                continue;
            _table.Admit(session!);
            Assert.Equal((session!.VirtualEndpoint, listener), ForwardPartial(syn));
            int length = random.Next(0, 2000);
            Assert.Equal((session.VirtualEndpoint, listener), ForwardPartial(NatPackets.WithPartialChecksum(NatPackets.Tcp(app, remote, TcpFlags.Ack, payloadLength: length))));
            Assert.Equal((remote, app), ForwardPartial(NatPackets.WithPartialChecksum(NatPackets.Tcp(listener, session.VirtualEndpoint, TcpFlags.Ack | TcpFlags.Psh, payloadLength: length + 1))));
        }
    }

    private (NatEndpoint Source, NatEndpoint Destination) ForwardPartial(byte[] packet)
    {
        Assert.Equal(NatVerdict.Forward, _rewriter.Rewrite(packet, checksumIsPartial: true, out _));
        NatPackets.CompletePartialChecksum(packet);
        return NatPackets.ReadValidTcp(packet);
    }

    private static NatEndpoint RandomEndpoint(Random random, bool ipv6)
    {
        ushort port = (ushort)random.Next(1, 65536);
        if (port == ListenerPort)
            port++;
        return ipv6
            ? NatEndpoint.V6(new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()), port)
            : NatEndpoint.V4((uint)random.NextInt64(uint.MaxValue), port);
    }

    [Fact]
    public void Rewrite_SameSynsOnTwoThreads_CreatesOneSessionPerFlow()
    {
        var syns = Enumerable.Range(0, 2000).Select(i => NatPackets.Tcp(App with { Port = (ushort)(10000 + i) }, Remote, TcpFlags.Syn)).ToArray();
        Parallel.For(0, 2, _ =>
        {
            var buffer = new byte[syns[0].Length];
            foreach (var syn in syns)
            {
                syn.CopyTo(buffer, 0);
                var verdict = _rewriter.Rewrite(buffer, out var session);
                Assert.True(verdict is NatVerdict.NewFlow or NatVerdict.AwaitingDecision, verdict.ToString());
            }
        });
        Assert.Equal(2000, _table.Created);
        Assert.Equal(2000, _table.Count);
        Assert.Equal(2000, _pool4.InUse);
    }

    [Fact]
    public void Rewrite_EstablishedFlow_AllocatesNothingPerPacket()
    {
        var session = OpenFlow(App, Remote);
        var outbound = NatPackets.Tcp(App, Remote, TcpFlags.Ack | TcpFlags.Psh, 1001, 5001, payloadLength: 100);
        var inbound = NatPackets.Tcp(Listener, session.VirtualEndpoint, TcpFlags.Ack, 5001, 1101);
        var buffer = new byte[outbound.Length];
        for (int i = 0; i < 1000; i++)
            RoundTrip();
        Assert.Equal(0, Allocations.FewestBytes(() =>
        {
            for (int i = 0; i < 10_000; i++)
                RoundTrip();
        }));

        void RoundTrip()
        {
            outbound.CopyTo(buffer, 0);
            if (_rewriter.Rewrite(buffer, out _) != NatVerdict.Forward)
                throw new InvalidOperationException("outbound not forwarded");
            inbound.CopyTo(buffer, 0);
            if (_rewriter.Rewrite(buffer.AsSpan(0, inbound.Length), out _) != NatVerdict.Forward)
                throw new InvalidOperationException("inbound not forwarded");
        }
    }
}

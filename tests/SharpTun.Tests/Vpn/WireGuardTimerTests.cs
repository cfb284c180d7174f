using SharpTun.TestSupport;
using SharpTun.Vpn;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

/// <summary>The timer rules of paper §6 (as wireguard-go's timers.go applies them), on a clock moved by hand.</summary>
public sealed class WireGuardTimerTests
{
    private sealed class Traffic
    {
        private readonly Lock _lock = new();
        private readonly List<(WireGuardEndpoint From, byte[] Datagram)> _seen = [];
        public volatile bool DropAll;

        public bool Observe(WireGuardEndpoint from, byte[] datagram)
        {
            lock (_lock)
                _seen.Add((from, datagram));
            return !DropAll;
        }

        public int Count(MemoryTransport from, MessageType type, bool keepaliveOnly = false)
        {
            lock (_lock)
            {
                return _seen.Count(s => s.From == from.LocalEndpoint && DevicePair.IsType(s.Datagram, type)
                    && (!keepaliveOnly || s.Datagram.Length == TransportDataLayout.MinimumLength));
            }
        }
    }

    private static (DevicePair Pair, ManualTimeProvider Time, Traffic Traffic) Start(TimeSpan? persistentKeepalive = null)
    {
        var time = new ManualTimeProvider();
        var traffic = new Traffic();
        var pair = new DevicePair(time, persistentKeepaliveAtA: persistentKeepalive, filter: (from, _, datagram) => traffic.Observe(from, datagram));
        return (pair, time, traffic);
    }

    [Fact]
    public void Retransmit_AfterRekeyTimeoutPlusJitter_ThenGivesUp()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        traffic.DropAll = true;
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1)));
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.HandshakeInitiation) == 1 && pair.PeerAtA.RetransmitHandshake.IsPending));

        time.Advance(Protocol.RekeyTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, traffic.Count(pair.TransportA, MessageType.HandshakeInitiation));
        time.Advance(Protocol.RekeyTimeoutJitterMax + TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, traffic.Count(pair.TransportA, MessageType.HandshakeInitiation));

        // wireguard-go's count: the first initiation, then retries while attempts <= 90 s / 5 s = 18.
        for (var i = 0; i < 30; i++)
            time.Advance(Protocol.RekeyTimeout + Protocol.RekeyTimeoutJitterMax);
        Assert.Equal(1 + Protocol.MaxHandshakeAttempts + 1, traffic.Count(pair.TransportA, MessageType.HandshakeInitiation));
        Assert.False(pair.PeerAtA.HasStaged, "staged packets are dropped on giving up");
        Assert.True(pair.PeerAtA.ZeroKeyMaterial.IsPending);
    }

    [Fact]
    public void UnansweredHandshakeSince_FirstInitiationSetsIt_RetriesKeepIt_ACompletedHandshakeClearsIt()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        Assert.Null(pair.A.GetPeers()[0].UnansweredHandshakeSince);
        traffic.DropAll = true;
        var firstSent = time.GetUtcNow();
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1)));
        // The retry timer is armed just after the initiation goes out: advancing the clock before would skip it.
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.HandshakeInitiation) == 1 && pair.PeerAtA.RetransmitHandshake.IsPending));
        Assert.Equal(firstSent, pair.A.GetPeers()[0].UnansweredHandshakeSince);

        time.Advance(Protocol.RekeyTimeout + Protocol.RekeyTimeoutJitterMax);
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.HandshakeInitiation) == 2));
        Assert.Equal(firstSent, pair.A.GetPeers()[0].UnansweredHandshakeSince);

        traffic.DropAll = false;
        time.Advance(Protocol.RekeyTimeout + Protocol.RekeyTimeoutJitterMax);
        Assert.True(DevicePair.Eventually(() => pair.A.GetPeers()[0].LatestHandshake is not null));
        Assert.Null(pair.A.GetPeers()[0].UnansweredHandshakeSince);
        // The responder, which never initiated, has nothing unanswered.
        Assert.Null(pair.B.GetPeers()[0].UnansweredHandshakeSince);
    }

    [Fact]
    public void Keepalive_SentAfterKeepaliveTimeout_OnlyBySideThatReceivedDataLast()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        Assert.True(DevicePair.Eventually(() => pair.PeerAtA.SendKeepalive.IsPending));
        time.Advance(Protocol.KeepaliveTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, traffic.Count(pair.TransportA, MessageType.TransportData, keepaliveOnly: true));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, traffic.Count(pair.TransportA, MessageType.TransportData, keepaliveOnly: true));
        pair.AdvanceSettled(time, Protocol.KeepaliveTimeout * 3);
        Assert.Equal(1, traffic.Count(pair.TransportA, MessageType.TransportData, keepaliveOnly: true));
        Assert.Equal(0, traffic.Count(pair.TransportB, MessageType.TransportData, keepaliveOnly: true));
    }

    [Fact]
    public void PersistentKeepalive_SentEveryInterval()
    {
        var (pair, time, traffic) = Start(persistentKeepalive: TimeSpan.FromSeconds(25));
        using var _ = pair;
        // Adding the peer with a persistent keepalive contacts it at once: a handshake, then the keepalive.
        Assert.True(DevicePair.Eventually(() => pair.PeerAtA.Current is not null && traffic.Count(pair.TransportA, MessageType.TransportData, keepaliveOnly: true) == 1));
        Assert.True(DevicePair.Eventually(() => pair.B.GetPeers()[0].LatestHandshake is not null));
        for (var i = 2; i <= 4; i++)
        {
            pair.AdvanceSettled(time, TimeSpan.FromSeconds(25));
            var expected = i;
            Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.TransportData, keepaliveOnly: true) == expected));
        }
    }

    [Fact]
    public void NewHandshake_WhenSentDataGetsNoReply()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        traffic.DropAll = true;
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 9)));
        Assert.True(DevicePair.Eventually(() => pair.PeerAtA.NewHandshake.IsPending));
        time.Advance(Protocol.KeepaliveTimeout + Protocol.RekeyTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, traffic.Count(pair.TransportA, MessageType.HandshakeInitiation));
        time.Advance(Protocol.RekeyTimeoutJitterMax + TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, traffic.Count(pair.TransportA, MessageType.HandshakeInitiation));
    }

    [Fact]
    public void RekeyAfterTime_InitiatorStartsNewHandshakeWhenSending_AndRotatesKeys()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        var first = pair.PeerAtA.Current;
        pair.AdvanceSettled(time, Protocol.RekeyAfterTime + TimeSpan.FromSeconds(1));
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 3)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.HandshakeInitiation) == 2));
        Assert.True(DevicePair.Eventually(() => pair.PeerAtA.Current is { } current && current != first));
        Assert.Same(first, pair.PeerAtA.Previous);
        // B confirms its "next" keypair once the initiator's first packet under it arrives.
        Assert.True(DevicePair.Eventually(() => pair.PeerAtB.Current?.RemoteIndex == pair.PeerAtA.Current!.LocalIndex));
        Assert.True(pair.TunB.TryInject(DevicePair.Ping(DevicePair.AddressB, DevicePair.AddressA, 4)));
        Assert.NotNull(DevicePair.Take(pair.TunA));
    }

    /// <summary>
    /// Starts a pair (the ping from A already injected) whose network delivers the first
    /// <paramref name="held"/> message itself and holds its sender's thread inside the send until
    /// <paramref name="answered"/> holds: the order a fast peer makes possible. Returns once the
    /// sender is let go.
    /// </summary>
    private static (DevicePair Pair, ManualTimeProvider Time, Traffic Traffic) StartHoldingSend(MessageType held, Func<DevicePair, bool> answered)
    {
        var time = new ManualTimeProvider();
        var traffic = new Traffic();
        var released = new ManualResetEventSlim();
        DevicePair? pair = null;
        pair = new DevicePair(time, filter: (from, to, datagram) =>
        {
            traffic.Observe(from, datagram);
            if (released.IsSet || !DevicePair.IsType(datagram, held))
                return true;
            (to == pair!.TransportA.LocalEndpoint ? pair.TransportA : pair.TransportB).Enqueue(datagram, from);
            Assert.True(DevicePair.Eventually(() => answered(pair)));
            released.Set();
            return false;
        });
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
        Assert.True(released.Wait(TimeSpan.FromSeconds(5)));
        return (pair, time, traffic);
    }

    [Fact]
    public void HandshakeAnsweredBeforeItsSendReturns_IsNotRetransmitted()
    {
        // A's initiation is held until A has handled B's response (LatestHandshake is set last,
        // after the handshake's timers).
        var (pair, time, traffic) = StartHoldingSend(MessageType.HandshakeInitiation, p => p.PeerAtA.LatestHandshake is not null);
        using var _ = pair;

        // The sending thread goes on after the send; give it time to (wrongly) arm the timer.
        Assert.False(DevicePair.Eventually(() => pair.PeerAtA.RetransmitHandshake.IsPending, TimeSpan.FromMilliseconds(200)),
            "the retransmit timer outlived the handshake it was for");
        time.Advance(Protocol.RekeyTimeout + Protocol.RekeyTimeoutJitterMax);
        Assert.Equal(1, traffic.Count(pair.TransportA, MessageType.HandshakeInitiation));
    }

    [Fact]
    public void DataArrivingBeforeTheResponseSendReturns_IsStillAnsweredWithKeepalive()
    {
        // The mirror image at the responder: B's response is held until A's first data has
        // arrived at B and armed B's keepalive.
        var (pair, time, traffic) = StartHoldingSend(MessageType.HandshakeResponse, p => p.PeerAtB.SendKeepalive.IsPending);
        using var _ = pair;

        Assert.False(DevicePair.Eventually(() => !pair.PeerAtB.SendKeepalive.IsPending, TimeSpan.FromMilliseconds(200)),
            "the response's send stopped the keepalive that A's data asked for");
        time.Advance(Protocol.KeepaliveTimeout);
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportB, MessageType.TransportData, keepaliveOnly: true) == 1));
    }

    [Fact]
    public void RejectAfterTime_OldKeyNoLongerSends()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        traffic.DropAll = true;
        time.Advance(Protocol.RejectAfterTime);
        var dataBefore = traffic.Count(pair.TransportA, MessageType.TransportData);
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 3)));
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.HandshakeInitiation) == 2));
        Assert.Equal(dataBefore, traffic.Count(pair.TransportA, MessageType.TransportData));
        Assert.True(pair.PeerAtA.HasStaged);
    }

    [Fact]
    public void ZeroKeyMaterial_AfterThreeRejectAfterTimes()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        traffic.DropAll = true;
        var keypair = pair.PeerAtA.Current!;
        time.Advance(Protocol.RejectAfterTime * 3 - TimeSpan.FromSeconds(1));
        Assert.Same(keypair, pair.PeerAtA.Current);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(pair.PeerAtA.Current);
        Assert.Null(pair.PeerAtA.Previous);
        Assert.True(keypair.IsDisposed);
    }

    [Fact]
    public void RekeyAfterMessages_NewHandshakeWhileOldKeyStillSends()
    {
        var (pair, _, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        pair.PeerAtB.Current!.SetSendCounter(Protocol.RekeyAfterMessages + 1);
        // B is the responder, yet past the message limit it rekeys too (paper §6.2).
        Assert.True(pair.TunB.TryInject(DevicePair.Ping(DevicePair.AddressB, DevicePair.AddressA, 3)));
        Assert.NotNull(DevicePair.Take(pair.TunA));
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportB, MessageType.HandshakeInitiation) == 1));
    }

    [Fact]
    public void RejectAfterMessages_ExhaustedKeyNoLongerSends()
    {
        var (pair, time, traffic) = Start();
        using var _ = pair;
        pair.Connect();
        traffic.DropAll = true;
        // Past the Rekey-Timeout that spaces initiations.
        time.Advance(Protocol.RekeyTimeout);
        var dataBefore = traffic.Count(pair.TransportA, MessageType.TransportData);
        pair.PeerAtA.Current!.SetSendCounter(Protocol.RejectAfterMessages);
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 3)));
        Assert.True(DevicePair.Eventually(() => traffic.Count(pair.TransportA, MessageType.HandshakeInitiation) == 2));
        Assert.Equal(dataBefore, traffic.Count(pair.TransportA, MessageType.TransportData));
    }
}

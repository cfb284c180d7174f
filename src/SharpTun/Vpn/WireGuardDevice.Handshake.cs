using System.Buffers;
using SharpTun.Tun;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

public sealed partial class WireGuardDevice
{
    /// <summary>Handshake messages waiting at most (wireguard-go's QueueHandshakeSize is 1024).</summary>
    private const int HandshakeQueueCapacity = 1024;

    /// <summary>Under load from this queue depth on (wireguard-go: an eighth of the queue).</summary>
    private const int UnderLoadQueueDepth = HandshakeQueueCapacity / 8;

    /// <summary>Load lasts this long after the queue last was deep (wireguard-go's UnderLoadAfterTime).</summary>
    private static readonly TimeSpan UnderLoadAfterTime = TimeSpan.FromSeconds(1);

    private TimeSpan _underLoadUntil = TimeSpan.MinValue;

    private void HandshakeLoop()
    {
        try
        {
            foreach (var work in _handshakes.GetConsumingEnumerable())
            {
                try
                {
                    // While stopping, the backlog is only drained, not answered.
                    if (!_stopping)
                        HandleHandshakeMessage(work.Buffer.AsSpan(0, work.Length), work.Source);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(work.Buffer);
                }
            }
        }
        catch (Exception e)
        {
            LoopFailed(e, "handshake");
        }
    }

    /// <summary>True while the handshake queue is, or recently was, deep: then mac2 (a cookie) is demanded (paper §5.3).</summary>
    internal bool IsUnderLoad(TimeSpan now)
    {
        if (_handshakes.Count >= UnderLoadQueueDepth)
        {
            _underLoadUntil = now + UnderLoadAfterTime;
            return true;
        }
        return now < _underLoadUntil;
    }

    /// <summary>Makes the device act as under load for <paramref name="duration"/>, as if its handshake queue had filled (tests).</summary>
    internal void SimulateLoad(TimeSpan duration) => _underLoadUntil = Now + duration;

    private void HandleHandshakeMessage(ReadOnlySpan<byte> message, WireGuardEndpoint source)
    {
        if (!WireGuardMessage.TryClassify(message, out var type))
            return;
        var now = Now;
        if (type == MessageType.CookieReply)
        {
            if (!_index.TryGet(WireGuardMessage.ReadIndex(message, CookieReplyLayout.Receiver), out var entry) || !entry.Peer.Cookies.ConsumeReply(message, now))
                Interlocked.Increment(ref _drops.InvalidMessages);
            return;
        }

        // Paper §5.3: mac1 first (cheap, proves knowledge of our public key); under load, mac2
        // (proves the source address is real) and a per-address rate limit, before any X25519.
        if (!_cookieChecker.CheckMac1(message))
        {
            Interlocked.Increment(ref _drops.InvalidMessages);
            return;
        }
        if (IsUnderLoad(now))
        {
            Span<byte> sourceBytes = stackalloc byte[WireGuardEndpoint.ByteLength];
            source.WriteBytes(sourceBytes);
            if (!_cookieChecker.CheckMac2(message, sourceBytes, now))
            {
                var reply = new PacketBuffer(CookieReplyLayout.Length, 0) { Length = CookieReplyLayout.Length };
                _cookieChecker.CreateReply(message, SenderIndex(message), sourceBytes, now, reply.Array);
                Interlocked.Increment(ref _drops.CookieRepliesSent);
                SendOne(null, reply, source);
                VpnLog.CookieSent(_logger, source.ToIPEndPoint());
                return;
            }
            if (!_rateLimiter.Allow(source, now))
            {
                Interlocked.Increment(ref _drops.HandshakesRefused);
                return;
            }
        }

        if (type == MessageType.HandshakeInitiation)
            HandleInitiation(message, source, now);
        else
            HandleResponse(message, source);
    }

    private void HandleInitiation(ReadOnlySpan<byte> message, in WireGuardEndpoint source, TimeSpan now)
    {
        var state = NoiseHandshake.ConsumeInitiation(_identity, message, FindHandshake, now);
        if (state is null || !_peers.TryGetValue(state.RemoteStatic, out var peer) || peer.IsRemoved)
        {
            Interlocked.Increment(ref _drops.HandshakesRefused);
            return;
        }
        if (peer.UpdateEndpoint(source))
            VpnLog.EndpointChanged(_logger, peer.PublicKey, source.ToIPEndPoint());

        var response = new PacketBuffer(HandshakeResponseLayout.Length, 0) { Length = HandshakeResponseLayout.Length };
        var handshake = peer.Handshake;
        lock (handshake.Lock)
        {
            // A handshake we were initiating ourselves is abandoned; its index goes.
            _index.Remove(handshake.LocalIndex);
            var index = _index.NewHandshakeIndex(peer);
            if (!NoiseHandshake.CreateResponse(handshake, index, response.Array))
            {
                _index.Remove(index);
                handshake.LocalIndex = 0;
                Interlocked.Increment(ref _drops.HandshakesRefused);
                return;
            }
            if (!BeginSession(peer))
                return;
        }
        peer.Cookies.AddMacs(response.Array, now);
        // Timers before the send: the initiator's first data may be received on another thread
        // before SendOne returns, and the keepalive timer it arms must not be stopped afterwards.
        TimersSessionDerived(peer);
        TimersAnyAuthenticatedPacketTraversal(peer);
        TimersAnyAuthenticatedPacketSent(peer);
        SendOne(peer, response, source);
        VpnLog.HandshakeCompleted(_logger, peer.PublicKey, "responder");
    }

    private void HandleResponse(ReadOnlySpan<byte> message, in WireGuardEndpoint source)
    {
        var receiver = WireGuardMessage.ReadIndex(message, HandshakeResponseLayout.Receiver);
        if (!_index.TryGet(receiver, out var entry) || entry.Keypair is not null || entry.Peer.IsRemoved)
        {
            Interlocked.Increment(ref _drops.HandshakesRefused);
            return;
        }
        var peer = entry.Peer;
        if (!NoiseHandshake.ConsumeResponse(_identity, peer.Handshake, message))
        {
            Interlocked.Increment(ref _drops.HandshakesRefused);
            return;
        }
        if (peer.UpdateEndpoint(source))
            VpnLog.EndpointChanged(_logger, peer.PublicKey, source.ToIPEndPoint());
        TimersAnyAuthenticatedPacketTraversal(peer);
        TimersAnyAuthenticatedPacketReceived(peer);
        lock (peer.Handshake.Lock)
        {
            if (!BeginSession(peer))
                return;
        }
        TimersSessionDerived(peer);
        TimersHandshakeComplete(peer);
        VpnLog.HandshakeCompleted(_logger, peer.PublicKey, "initiator");
        // Paper §6.3: the initiator must send first so that the responder can use the session.
        SendKeepalive(peer);
    }

    private HandshakeState? FindHandshake(ReadOnlySpan<byte> publicKey) =>
        _peers.TryGetValue(WireGuardKey.FromBytes(publicKey), out var peer) && !peer.IsRemoved ? peer.Handshake : null;

    /// <summary>
    /// Turns the finished handshake into a keypair and slots it (wireguard-go's
    /// BeginSymmetricSession): the initiator uses it at once; the responder keeps it as "next" until
    /// the first data message proves the initiator has it (paper §6.3). Caller holds the handshake lock.
    /// </summary>
    private bool BeginSession(Peer peer)
    {
        var handshake = peer.Handshake;
        Span<byte> sendKey = stackalloc byte[32];
        Span<byte> receiveKey = stackalloc byte[32];
        if (!NoiseHandshake.DeriveTransportKeys(handshake, sendKey, receiveKey, out var isInitiator))
            return false;
        var keypair = new Keypair(sendKey, receiveKey, isInitiator, handshake.LocalIndex, handshake.RemoteIndex, Now);
        sendKey.Clear();
        receiveKey.Clear();
        // The index now names the keypair, not the handshake.
        handshake.LocalIndex = 0;
        _index.SetKeypair(keypair.LocalIndex, keypair, peer);
        lock (peer.KeypairLock)
        {
            var previous = peer.Previous;
            var current = peer.Current;
            var next = peer.Next;
            if (isInitiator)
            {
                if (next is not null)
                {
                    peer.Next = null;
                    peer.Previous = next;
                    DeleteKeypair(current);
                }
                else
                {
                    peer.Previous = current;
                }
                DeleteKeypair(previous);
                peer.Current = keypair;
            }
            else
            {
                peer.Next = keypair;
                DeleteKeypair(next);
                peer.Previous = null;
                DeleteKeypair(previous);
            }
        }
        return true;
    }

    /// <summary>The responder's "next" keypair becomes current once data arrives under it.</summary>
    private bool ConfirmNextKeypair(Peer peer, Keypair keypair)
    {
        lock (peer.KeypairLock)
        {
            if (!ReferenceEquals(peer.Next, keypair))
                return false;
            var old = peer.Previous;
            peer.Previous = peer.Current;
            peer.Current = keypair;
            peer.Next = null;
            DeleteKeypair(old);
            return true;
        }
    }

    private void DeleteKeypair(Keypair? keypair)
    {
        if (keypair is null)
            return;
        _index.Remove(keypair.LocalIndex);
        keypair.Dispose();
    }

    /// <summary>Forgets every session key and the handshake in progress (paper §6.1: after 3 x Reject-After-Time of no new session).</summary>
    private void ZeroKeys(Peer peer)
    {
        lock (peer.Handshake.Lock)
        {
            _index.Remove(peer.Handshake.LocalIndex);
            peer.Handshake.Clear();
        }
        lock (peer.KeypairLock)
        {
            DeleteKeypair(peer.Previous);
            DeleteKeypair(peer.Current);
            DeleteKeypair(peer.Next);
            peer.Previous = null;
            peer.Current = null;
            peer.Next = null;
        }
    }

    private void DropStaged(Peer peer)
    {
        var staged = new List<PacketBuffer>();
        peer.TakeStaged(staged);
        foreach (var buffer in staged)
            _stagingPool.Return(buffer);
    }
}

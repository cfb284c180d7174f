using System.Buffers.Binary;
using SharpTun.Tun;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

public sealed partial class WireGuardDevice
{
    /// <summary>
    /// Reads packets from the TUN, seals each for its peer in place and sends each batch at once.
    /// With offload, a TCP super-packet is first cut into segments in separate buffers, and a
    /// partial checksum is completed (the peer's kernel will not finish it).
    /// </summary>
    private void TunLoop()
    {
        var reads = new PacketBuffer[_tunOffload ? OffloadReadBatch : BatchSize];
        var readLength = _tunOffload ? VirtioNetHeader.LargestPacket : _mtu;
        for (var i = 0; i < reads.Length; i++)
            reads[i] = new PacketBuffer(Headroom + readLength + TransportCrypto.TailRoom, Headroom);
        var segments = new PacketBuffer[_tunOffload ? SegmentBuffers : 0];
        for (var i = 0; i < segments.Length; i++)
            segments[i] = new PacketBuffer(Headroom + _mtu + TransportCrypto.TailRoom, Headroom);
        var batch = new SendBatch(reads.Length + segments.Length);
        try
        {
            while (true)
            {
                var count = _tun.Read(reads);
                if (count == 0)
                    return;
                var now = Now;
                var segmentsUsed = 0;
                for (var i = 0; i < count; i++)
                {
                    var buffer = reads[i];
                    var peer = RouteOutgoing(buffer.Packet);
                    if (peer is null)
                        continue;
                    if (!buffer.Offload.IsGso)
                    {
                        if (buffer.Offload.NeedsChecksum && !TunOffload.TryCompleteChecksum(buffer.Packet, buffer.Offload))
                            Interlocked.Increment(ref _drops.OversizedPackets);
                        else
                            SealOrStage(peer, buffer, now, batch);
                        continue;
                    }
                    var needed = TunOffload.SegmentCount(buffer.Packet, buffer.Offload);
                    if (needed == 0 || needed > segments.Length)
                    {
                        Interlocked.Increment(ref _drops.OversizedPackets);
                        continue;
                    }
                    if (segmentsUsed + needed > segments.Length)
                    {
                        batch.Flush(_transport);
                        segmentsUsed = 0;
                    }
                    var cut = TunOffload.Segment(buffer.Packet, buffer.Offload, segments.AsSpan(segmentsUsed, needed));
                    for (var j = 0; j < cut; j++)
                        SealOrStage(peer, segments[segmentsUsed + j], now, batch);
                    segmentsUsed += cut;
                }
                batch.Flush(_transport);
            }
        }
        catch (Exception e)
        {
            LoopFailed(e, "TUN read");
        }
    }

    /// <summary>Seals a packet into the batch, or stages a copy when the peer has no usable session yet.</summary>
    private void SealOrStage(Peer peer, PacketBuffer buffer, TimeSpan now, SendBatch batch)
    {
        if (buffer.Length > _mtu)
        {
            Interlocked.Increment(ref _drops.OversizedPackets);
            return;
        }
        if (peer.HasStaged || !TrySealForSending(peer, buffer, now, out var endpoint))
        {
            StageCopy(peer, buffer.Packet);
            SendStaged(peer);
            return;
        }
        batch.Add(buffer, endpoint);
    }

    /// <summary>Sealed datagrams waiting to go out together, and where each goes.</summary>
    private sealed class SendBatch(int capacity)
    {
        private readonly PacketBuffer[] _datagrams = new PacketBuffer[capacity];
        private readonly WireGuardEndpoint[] _destinations = new WireGuardEndpoint[capacity];
        private int _count;

        public void Add(PacketBuffer datagram, WireGuardEndpoint destination)
        {
            _datagrams[_count] = datagram;
            _destinations[_count++] = destination;
        }

        public void Flush(IWireGuardTransport transport)
        {
            if (_count > 0)
                transport.Send(_datagrams.AsSpan(0, _count), _destinations.AsSpan(0, _count));
            _count = 0;
        }
    }

    /// <summary>The peer whose allowed IPs hold the packet's destination (paper §2), or null (dropped).</summary>
    private Peer? RouteOutgoing(ReadOnlySpan<byte> packet)
    {
        Peer? peer = null;
        if (packet.Length >= 20 && packet[0] >> 4 == 4)
            peer = _allowedIps.Lookup(packet.Slice(16, 4));
        else if (packet.Length >= 40 && packet[0] >> 4 == 6)
            peer = _allowedIps.Lookup(packet.Slice(24, 16));
        if (peer is null)
            Interlocked.Increment(ref _drops.NoRoute);
        return peer;
    }

    /// <summary>
    /// Seals <paramref name="buffer"/>'s packet with the peer's current keypair when it is still good
    /// for sending (paper §6.1: younger than Reject-After-Time, counter below Reject-After-Messages)
    /// and the peer has an endpoint; updates timers and statistics. False leaves the packet untouched.
    /// </summary>
    internal bool TrySealForSending(Peer peer, PacketBuffer buffer, TimeSpan now, out WireGuardEndpoint endpoint)
    {
        var keypair = peer.Current;
        if (!peer.TryGetEndpoint(out endpoint) || !CanSendWith(keypair, now))
            return false;
        var packetLength = buffer.Length;
        var length = TransportCrypto.Seal(keypair!, buffer.Array, buffer.Offset, packetLength, _mtu);
        if (length <= 0)
            return false;
        buffer.Offset -= TransportDataLayout.HeaderLength;
        buffer.Length = length;
        peer.AddSent(length);
        if (packetLength > 0)
            TimersDataSent(peer);
        TimersAnyAuthenticatedPacketTraversal(peer);
        TimersAnyAuthenticatedPacketSent(peer);
        KeepKeyFreshSending(peer, keypair!, now);
        return true;
    }

    private static bool CanSendWith(Keypair? keypair, TimeSpan now) =>
        keypair is not null && !keypair.IsDisposed && now - keypair.Created < Protocol.RejectAfterTime && keypair.SendCounter < Protocol.RejectAfterMessages;

    /// <summary>Paper §6.2: the initiator of a session starts the next one after Rekey-After-Time; either side after Rekey-After-Messages.</summary>
    private void KeepKeyFreshSending(Peer peer, Keypair keypair, TimeSpan now)
    {
        if (keypair.SendCounter > Protocol.RekeyAfterMessages || (keypair.IsInitiator && now - keypair.Created > Protocol.RekeyAfterTime))
            SendHandshakeInitiation(peer, isRetry: false);
    }

    private void StageCopy(Peer peer, ReadOnlySpan<byte> packet)
    {
        var copy = _stagingPool.Rent();
        copy.Offset = copy.Headroom;
        copy.Length = packet.Length;
        packet.CopyTo(copy.ReadSpace);
        if (peer.Stage(copy) is { } dropped)
        {
            Interlocked.Increment(ref _drops.StagedPacketsDropped);
            _stagingPool.Return(dropped);
        }
    }

    /// <summary>Sends the staged packets when a usable session exists, otherwise asks for a handshake (wireguard-go's SendStagedPackets).</summary>
    internal void SendStaged(Peer peer)
    {
        if (_stopping)
            return;
        var now = Now;
        if (!CanSendWith(peer.Current, now) || !peer.TryGetEndpoint(out _))
        {
            SendHandshakeInitiation(peer, isRetry: false);
            return;
        }
        var staged = new List<PacketBuffer>();
        if (peer.TakeStaged(staged) == 0)
            return;
        var ready = new List<PacketBuffer>(staged.Count);
        var destinations = new WireGuardEndpoint[staged.Count];
        foreach (var buffer in staged)
        {
            if (TrySealForSending(peer, buffer, now, out var endpoint))
            {
                destinations[ready.Count] = endpoint;
                ready.Add(buffer);
            }
            else
            {
                Interlocked.Increment(ref _drops.StagedPacketsDropped);
            }
        }
        if (ready.Count > 0)
            _transport.Send(ready.ToArray(), destinations.AsSpan(0, ready.Count));
        foreach (var buffer in staged)
            _stagingPool.Return(buffer);
    }

    /// <summary>Sends an empty data packet (a keepalive, paper §6.5), or starts a handshake when there is no session.</summary>
    internal void SendKeepalive(Peer peer)
    {
        if (!peer.HasStaged)
            StageCopy(peer, []);
        SendStaged(peer);
    }

    /// <summary>
    /// Sends a handshake initiation unless one went out less than Rekey-Timeout ago (paper §6.4).
    /// A retry keeps counting attempts; anything else starts the count again.
    /// </summary>
    internal void SendHandshakeInitiation(Peer peer, bool isRetry)
    {
        if (peer.IsRemoved || _stopping)
            return;
        PacketBuffer message;
        WireGuardEndpoint endpoint;
        var handshake = peer.Handshake;
        lock (handshake.Lock)
        {
            if (!isRetry)
                peer.HandshakeAttempts = 0;
            var now = Now;
            if (peer.LastSentHandshake is { } last && now - last < Protocol.RekeyTimeout)
                return;
            if (!peer.TryGetEndpoint(out endpoint))
                return;
            peer.LastSentHandshake = now;
            message = new PacketBuffer(HandshakeInitiationLayout.Length, 0) { Length = HandshakeInitiationLayout.Length };
            _index.Remove(handshake.LocalIndex);
            var index = _index.NewHandshakeIndex(peer);
            if (!NoiseHandshake.CreateInitiation(_identity, handshake, index, _time.GetUtcNow(), message.Array))
            {
                _index.Remove(index);
                handshake.LocalIndex = 0;
                return;
            }
            peer.Cookies.AddMacs(message.Array, now);
        }
        // Before the send: a response may be handled on another thread before SendOne returns,
        // and it must find the mark to clear and the retransmit timer to stop (armed after the
        // send, the timer outlived the handshake and retried it 5 s later).
        peer.InitiationSent(_time.GetUtcNow());
        TimersAnyAuthenticatedPacketTraversal(peer);
        TimersAnyAuthenticatedPacketSent(peer);
        TimersHandshakeInitiated(peer);
        SendOne(peer, message, endpoint);
    }

    private void SendOne(Peer? peer, PacketBuffer message, WireGuardEndpoint endpoint)
    {
        _transport.Send(new ReadOnlySpan<PacketBuffer>(in message), new ReadOnlySpan<WireGuardEndpoint>(in endpoint));
        peer?.AddSent(message.Length);
    }

    /// <summary>The message's sender index (initiation and response both keep it at offset 4).</summary>
    private static uint SenderIndex(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt32LittleEndian(message[4..]);
}

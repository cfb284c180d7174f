using System.Buffers.Binary;
using SharpTun.Tun;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

public sealed partial class WireGuardDevice
{
    /// <summary>Reads packets from the TUN, seals each for its peer in place and sends each batch at once.</summary>
    private void TunLoop()
    {
        var buffers = new PacketBuffer[BatchSize];
        for (var i = 0; i < buffers.Length; i++)
            buffers[i] = new PacketBuffer(Headroom + _mtu + TransportCrypto.TailRoom, Headroom);
        var outgoing = new PacketBuffer[BatchSize];
        var destinations = new WireGuardEndpoint[BatchSize];
        try
        {
            while (true)
            {
                var count = _tun.Read(buffers);
                if (count == 0)
                    return;
                var now = Now;
                var ready = 0;
                for (var i = 0; i < count; i++)
                {
                    var buffer = buffers[i];
                    var peer = RouteOutgoing(buffer.Packet);
                    if (peer is null)
                        continue;
                    if (buffer.Length > _mtu)
                    {
                        Interlocked.Increment(ref _drops.OversizedPackets);
                        continue;
                    }
                    if (peer.HasStaged || !TrySealForSending(peer, buffer, now, out var endpoint))
                    {
                        StageCopy(peer, buffer.Packet);
                        SendStaged(peer);
                        continue;
                    }
                    outgoing[ready] = buffer;
                    destinations[ready] = endpoint;
                    ready++;
                }
                if (ready > 0)
                    _transport.Send(outgoing.AsSpan(0, ready), destinations.AsSpan(0, ready));
            }
        }
        catch (Exception e)
        {
            LoopFailed(e, "TUN read");
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
        // Before the send: a response that came back at once must find the mark to clear.
        peer.InitiationSent(_time.GetUtcNow());
        SendOne(peer, message, endpoint);
        TimersAnyAuthenticatedPacketTraversal(peer);
        TimersAnyAuthenticatedPacketSent(peer);
        TimersHandshakeInitiated(peer);
    }

    private void SendOne(Peer? peer, PacketBuffer message, WireGuardEndpoint endpoint)
    {
        _transport.Send(new ReadOnlySpan<PacketBuffer>(in message), new ReadOnlySpan<WireGuardEndpoint>(in endpoint));
        peer?.AddSent(message.Length);
    }

    /// <summary>The message's sender index (initiation and response both keep it at offset 4).</summary>
    private static uint SenderIndex(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt32LittleEndian(message[4..]);
}

using System.Buffers;
using System.Buffers.Binary;
using SharpTun.Tun;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

public sealed partial class WireGuardDevice
{
    /// <summary>
    /// Receives batches: data messages are opened in place and written to the TUN together (with
    /// offload, consecutive TCP segments of a flow first joined into super-packets); handshake
    /// messages go to the handshake thread.
    /// </summary>
    private void ReceiveLoop()
    {
        var buffers = new PacketBuffer[BatchSize];
        for (var i = 0; i < buffers.Length; i++)
            buffers[i] = new PacketBuffer(MaxDatagram + 1, 0);
        var sources = new WireGuardEndpoint[BatchSize];
        var toTun = new PacketBuffer[BatchSize];
        try
        {
            while (true)
            {
                var count = _transport.Receive(buffers, sources);
                if (count == 0)
                    return;
                var now = Now;
                var ready = 0;
                for (var i = 0; i < count; i++)
                {
                    var buffer = buffers[i];
                    if (!WireGuardMessage.TryClassify(buffer.Packet, out var type))
                    {
                        Interlocked.Increment(ref _drops.InvalidMessages);
                        continue;
                    }
                    if (type != MessageType.TransportData)
                        QueueHandshake(buffer.Packet, sources[i]);
                    else if (OpenData(buffer, sources[i], now))
                        toTun[ready++] = buffer;
                }
                if (_tunOffload && ready > 1)
                    ready = TcpCoalescer.Coalesce(toTun.AsSpan(0, ready));
                if (ready > 0)
                    WriteToTun(toTun.AsSpan(0, ready));
                for (var i = 0; i < ready; i++)
                    toTun[i].Offload = default; // the buffer is read into again
            }
        }
        catch (Exception e)
        {
            LoopFailed(e, "UDP receive");
        }
    }

    /// <summary>
    /// Writes decrypted packets to the TUN. A refused write (the link is down, EIO) loses those
    /// packets, as a full queue does, but not the device: the link may come up again.
    /// </summary>
    private void WriteToTun(ReadOnlySpan<PacketBuffer> packets)
    {
        try
        {
            var written = _tun.Write(packets);
            if (written < packets.Length)
                Interlocked.Add(ref _drops.TunWriteFailures, packets.Length - written);
        }
        catch (Interop.InteropException)
        {
            Interlocked.Add(ref _drops.TunWriteFailures, packets.Length);
        }
    }

    /// <summary>
    /// Authenticates and decrypts one data message in place (paper §5.4.6); true when it carries
    /// a packet for the TUN, which then is <c>buffer.Packet</c>. Keepalives, forgeries, replays and
    /// packets whose inner source is not the sender's are consumed here.
    /// </summary>
    internal bool OpenData(PacketBuffer buffer, in WireGuardEndpoint source, TimeSpan now)
    {
        var message = buffer.Packet;
        var receiver = WireGuardMessage.ReadIndex(message, TransportDataLayout.Receiver);
        if (!_index.TryGet(receiver, out var entry) || entry.Keypair is not { } keypair || now - keypair.Created >= Protocol.RejectAfterTime)
        {
            Interlocked.Increment(ref _drops.InvalidMessages);
            return false;
        }
        var length = TransportCrypto.Open(keypair, message, out var counter);
        if (length < 0)
        {
            Interlocked.Increment(ref _drops.InvalidMessages);
            return false;
        }
        if (!keypair.Replay.TryAccept(counter, Protocol.RejectAfterMessages))
        {
            Interlocked.Increment(ref _drops.ReplayedMessages);
            return false;
        }
        var peer = entry.Peer;
        if (ReferenceEquals(keypair, peer.Next) && ConfirmNextKeypair(peer, keypair))
        {
            TimersHandshakeComplete(peer);
            SendStaged(peer);
        }
        if (peer.UpdateEndpoint(source))
            VpnLog.EndpointChanged(_logger, peer.PublicKey, source.ToIPEndPoint());
        KeepKeyFreshReceiving(peer, now);
        TimersAnyAuthenticatedPacketTraversal(peer);
        TimersAnyAuthenticatedPacketReceived(peer);
        peer.AddReceived(message.Length);
        if (length == 0)
            return false;
        TimersDataReceived(peer);

        var plaintext = message.Slice(TransportDataLayout.HeaderLength, length);
        if (!TryInnerPacket(plaintext, out var packetLength, out var sourceAddress) || !ReferenceEquals(_allowedIps.Lookup(plaintext.Slice(sourceAddress.Offset, sourceAddress.Length)), peer))
        {
            Interlocked.Increment(ref _drops.SourceNotAllowed);
            return false;
        }
        buffer.Offset += TransportDataLayout.HeaderLength;
        buffer.Length = packetLength;
        return true;
    }

    /// <summary>The IP packet's length (without padding) and where its source address lies; false for anything but a whole IPv4/IPv6 packet.</summary>
    private static bool TryInnerPacket(ReadOnlySpan<byte> plaintext, out int length, out (int Offset, int Length) source)
    {
        length = 0;
        source = default;
        if (plaintext.Length >= 20 && plaintext[0] >> 4 == 4)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(plaintext[2..]);
            source = (12, 4);
            return length >= 20 && length <= plaintext.Length;
        }
        if (plaintext.Length >= 40 && plaintext[0] >> 4 == 6)
        {
            length = 40 + BinaryPrimitives.ReadUInt16BigEndian(plaintext[4..]);
            source = (8, 16);
            return length <= plaintext.Length;
        }
        return false;
    }

    /// <summary>
    /// Paper §6.2 "last minute" rekey: the initiator of the current session starts a new handshake
    /// when data still arrives close to Reject-After-Time, once per session.
    /// </summary>
    private void KeepKeyFreshReceiving(Peer peer, TimeSpan now)
    {
        if (peer.SentLastMinuteHandshake)
            return;
        var current = peer.Current;
        if (current is not null && current.IsInitiator
            && now - current.Created > Protocol.RejectAfterTime - Protocol.KeepaliveTimeout - Protocol.RekeyTimeout)
        {
            peer.SentLastMinuteHandshake = true;
            SendHandshakeInitiation(peer, isRetry: false);
        }
    }

    /// <summary>Copies a handshake or cookie message for the handshake thread; dropped when that queue is full.</summary>
    private void QueueHandshake(ReadOnlySpan<byte> message, in WireGuardEndpoint source)
    {
        var copy = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(copy);
        if (!_handshakes.TryAdd(new HandshakeWork(copy, message.Length, source)))
        {
            ArrayPool<byte>.Shared.Return(copy);
            Interlocked.Increment(ref _drops.HandshakesRefused);
        }
    }
}

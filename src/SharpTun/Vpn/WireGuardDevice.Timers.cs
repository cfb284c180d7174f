namespace SharpTun.Vpn;

/// <summary>
/// The timer events of paper §6 as wireguard-go's timers.go arranges them: each packet event arms
/// or stops a peer timer; each expiry acts.
/// </summary>
public sealed partial class WireGuardDevice
{
    /// <summary>Data was sent: expect an answer within Keepalive-Timeout + Rekey-Timeout, else start a handshake.</summary>
    private static void TimersDataSent(Peer peer)
    {
        if (!peer.NewHandshake.IsPending)
            peer.NewHandshake.Arm(Protocol.KeepaliveTimeout + Protocol.RekeyTimeout + Jitter());
    }

    /// <summary>Data arrived: answer with a keepalive after Keepalive-Timeout unless something else is sent first.</summary>
    private static void TimersDataReceived(Peer peer)
    {
        if (!peer.SendKeepalive.IsPending)
            peer.SendKeepalive.Arm(Protocol.KeepaliveTimeout);
        else
            peer.NeedAnotherKeepalive = true;
    }

    private static void TimersAnyAuthenticatedPacketSent(Peer peer) => peer.SendKeepalive.Stop();

    private static void TimersAnyAuthenticatedPacketReceived(Peer peer) => peer.NewHandshake.Stop();

    private static void TimersHandshakeInitiated(Peer peer) => peer.RetransmitHandshake.Arm(Protocol.RekeyTimeout + Jitter());

    private void TimersHandshakeComplete(Peer peer)
    {
        peer.RetransmitHandshake.Stop();
        lock (peer.Handshake.Lock)
            peer.HandshakeAttempts = 0;
        peer.SentLastMinuteHandshake = false;
        peer.HandshakeAnswered(); // before LatestHandshake: whoever sees the new handshake sees nothing unanswered
        peer.LatestHandshake = _time.GetUtcNow();
    }

    /// <summary>A new session exists: its keys are forgotten 3 x Reject-After-Time from now unless another replaces it.</summary>
    private static void TimersSessionDerived(Peer peer) => peer.ZeroKeyMaterial.Arm(Protocol.RejectAfterTime * 3);

    private static void TimersAnyAuthenticatedPacketTraversal(Peer peer)
    {
        if (peer.PersistentKeepalive > TimeSpan.Zero)
            peer.PersistentKeepaliveTimer.Arm(peer.PersistentKeepalive);
    }

    internal void OnRetransmitHandshake(Peer peer)
    {
        if (_stopping)
            return;
        int attempts;
        lock (peer.Handshake.Lock)
        {
            attempts = peer.HandshakeAttempts;
            if (attempts <= Protocol.MaxHandshakeAttempts)
                peer.HandshakeAttempts = attempts + 1;
        }
        if (attempts > Protocol.MaxHandshakeAttempts)
        {
            // Rekey-Attempt-Time is over: stop trying until new traffic asks for a session.
            VpnLog.HandshakeGaveUp(_logger, peer.PublicKey, attempts + 1);
            peer.SendKeepalive.Stop();
            DropStaged(peer);
            if (!peer.ZeroKeyMaterial.IsPending)
                peer.ZeroKeyMaterial.Arm(Protocol.RejectAfterTime * 3);
            return;
        }
        SendHandshakeInitiation(peer, isRetry: true);
    }

    internal void OnSendKeepalive(Peer peer)
    {
        if (_stopping)
            return;
        SendKeepalive(peer);
        if (peer.NeedAnotherKeepalive)
        {
            peer.NeedAnotherKeepalive = false;
            peer.SendKeepalive.Arm(Protocol.KeepaliveTimeout);
        }
    }

    internal void OnNewHandshake(Peer peer) => SendHandshakeInitiation(peer, isRetry: false);

    internal void OnZeroKeyMaterial(Peer peer) => ZeroKeys(peer);

    internal void OnPersistentKeepalive(Peer peer)
    {
        if (peer.PersistentKeepalive > TimeSpan.Zero)
            SendKeepalive(peer);
    }
}

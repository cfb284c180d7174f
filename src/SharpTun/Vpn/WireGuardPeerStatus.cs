using System.Net;

namespace SharpTun.Vpn;

/// <summary>
/// One peer as <c>wg show</c> prints it, and <paramref name="UnansweredHandshakeSince"/>: when the
/// first of the handshake initiations that are still unanswered went out (null when the latest was
/// answered or none was sent), how a caller tells that the peer's endpoint stopped answering.
/// </summary>
public sealed record WireGuardPeerStatus(
    WireGuardKey PublicKey,
    bool HasPresharedKey,
    IPEndPoint? Endpoint,
    IReadOnlyList<IPNetwork> AllowedIps,
    DateTimeOffset? LatestHandshake,
    long ReceivedBytes,
    long SentBytes,
    TimeSpan? PersistentKeepalive,
    DateTimeOffset? UnansweredHandshakeSince);

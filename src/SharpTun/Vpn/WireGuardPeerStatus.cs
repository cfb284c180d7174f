using System.Net;

namespace SharpTun.Vpn;

/// <summary>One peer as <c>wg show</c> prints it.</summary>
public sealed record WireGuardPeerStatus(
    WireGuardKey PublicKey,
    bool HasPresharedKey,
    IPEndPoint? Endpoint,
    IReadOnlyList<IPNetwork> AllowedIps,
    DateTimeOffset? LatestHandshake,
    long ReceivedBytes,
    long SentBytes,
    TimeSpan? PersistentKeepalive);

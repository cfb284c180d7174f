using System.Net;

namespace SharpTun.Vpn;

/// <summary>One [Peer] of a WireGuard interface, as a wg-quick file or <c>wg set</c> gives it.</summary>
public sealed record WireGuardPeerOptions
{
    public required WireGuardKey PublicKey { get; init; }

    /// <summary>Mixed into the handshake (paper §5.2) for post-quantum resistance; null for none.</summary>
    public WireGuardKey? PresharedKey { get; init; }

    /// <summary>The prefixes this peer may send from, and to which packets go to it (cryptokey routing).</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>Where to send until the peer is heard from; null for a peer that will call in (a server's clients).</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>Send an authenticated empty packet at least this often (keeps NAT mappings open); null or zero for off.</summary>
    public TimeSpan? PersistentKeepalive { get; init; }
}

using System.Net;

namespace SharpTun.Vpn.Config;

/// <summary>One <c>[Peer]</c> section of a wg-quick file, validated.</summary>
public sealed record VpnPeerSettings
{
    public required WireGuardKey PublicKey { get; init; }

    /// <summary>The optional symmetric key mixed into the handshake (Noise psk2); null when absent.</summary>
    public WireGuardKey? PresharedKey { get; init; }

    /// <summary>Prefixes routed to this peer and accepted from it, host bits cleared, in file order without duplicates.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>Where to send handshakes first; null for a peer that must contact us (a server's clients).</summary>
    public VpnEndpoint? Endpoint { get; init; }

    /// <summary>Seconds between keepalives sent even when idle (to keep NAT mappings open); null when off.</summary>
    public int? PersistentKeepalive { get; init; }

    /// <summary>The 1-based line of this peer's <c>[Peer]</c> header.</summary>
    public int Line { get; init; }
}

using System.Net;
using System.Text.Json.Serialization;
using SharpTun.Vpn;

namespace SharpTun.Cli.Vpn;

/// <summary>One peer in a <see cref="VpnStatus"/>.</summary>
public sealed record VpnPeerStatus
{
    [JsonConverter(typeof(WireGuardKeyJsonConverter))]
    public required WireGuardKey PublicKey { get; init; }

    public bool HasPresharedKey { get; init; }

    /// <summary>The current endpoint: configured, resolved, or learnt from the last authenticated packet (roaming); null when unknown.</summary>
    public IPEndPoint? Endpoint { get; init; }

    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>When the latest handshake completed; null when none has.</summary>
    public DateTimeOffset? LatestHandshake { get; init; }

    /// <summary>Bytes received from the peer (all WireGuard messages, as wg counts them).</summary>
    public long ReceivedBytes { get; init; }

    public long SentBytes { get; init; }

    /// <summary>Seconds between persistent keepalives; null when off.</summary>
    public int? PersistentKeepalive { get; init; }
}

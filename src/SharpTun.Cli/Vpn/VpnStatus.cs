using System.Text.Json.Serialization;
using SharpTun.Vpn;

namespace SharpTun.Cli.Vpn;

/// <summary>A snapshot of a running VPN interface, what <c>wg show</c> prints.</summary>
public sealed record VpnStatus
{
    [JsonConverter(typeof(WireGuardKeyJsonConverter))]
    public required WireGuardKey PublicKey { get; init; }

    /// <summary>The port actually bound (after ListenPort 0 or none), or null before binding.</summary>
    public int? ListenPort { get; init; }

    public uint? FirewallMark { get; init; }

    public IReadOnlyList<VpnPeerStatus> Peers { get; init; } = [];

    /// <summary>Messages and packets the data plane dropped since it started, by reason; null when the engine does not count them.</summary>
    public WireGuardDeviceCounters? Dropped { get; init; }
}

namespace SharpTun.Vpn;

/// <summary>The [Interface] settings the protocol engine needs (addresses, routes and DNS are the caller's).</summary>
public sealed record WireGuardDeviceOptions
{
    public const int DefaultMtu = 1420;

    public required WireGuardKey PrivateKey { get; init; }

    /// <summary>UDP port to listen on; 0 picks a free one (see <see cref="WireGuardDevice.ListenPort"/>).</summary>
    public int ListenPort { get; init; }

    /// <summary>SO_MARK for the UDP socket (wg's FwMark); 0 for none.</summary>
    public int FwMark { get; init; }

    /// <summary>The TUN device's MTU: the largest packet read from it, and the bound for padding (paper §5.4.6).</summary>
    public int Mtu { get; init; } = DefaultMtu;

    public IReadOnlyList<WireGuardPeerOptions> Peers { get; init; } = [];
}

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

    /// <summary>
    /// The TUN queue was opened with <see cref="Tun.TunOptions.Offload"/>: reads may be TCP
    /// super-packets (cut into MTU-sized segments before sealing) and carry partial checksums
    /// (completed before sealing). The kernel then hands over one read per 64 KiB of a TCP stream
    /// instead of one per segment.
    /// </summary>
    public bool TunOffload { get; init; }

    public IReadOnlyList<WireGuardPeerOptions> Peers { get; init; } = [];
}

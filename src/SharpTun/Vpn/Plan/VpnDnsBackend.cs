namespace SharpTun.Vpn.Plan;

/// <summary>How <c>vpn up</c> hands the configuration's DNS servers to the host's resolver.</summary>
public enum VpnDnsBackend
{
    /// <summary>SharpTun writes /etc/resolv.conf itself and puts the original back on down (no resolver manager here).</summary>
    ResolvConfFile,

    /// <summary>resolvconf(8), exactly as wg-quick calls it.</summary>
    Resolvconf,

    /// <summary>systemd-resolved's per-interface DNS through resolvectl(1).</summary>
    SystemdResolved,
}

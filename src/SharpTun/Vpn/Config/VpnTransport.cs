namespace SharpTun.Vpn.Config;

/// <summary>How WireGuard messages travel between peers (<c>Transport =</c>, a SharpTun extension).</summary>
public enum VpnTransport
{
    /// <summary>One WireGuard message per UDP datagram, as every WireGuard implementation does. The default.</summary>
    Udp,

    /// <summary>WireGuard messages over TCP with a 2-byte length prefix, for networks that block UDP; both ends must say so.</summary>
    Tcp,
}

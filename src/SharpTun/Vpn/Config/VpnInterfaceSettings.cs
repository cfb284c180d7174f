using System.Net;
using SharpTun.Host;

namespace SharpTun.Vpn.Config;

/// <summary>The <c>[Interface]</c> section of a wg-quick file, validated.</summary>
public sealed record VpnInterfaceSettings
{
    public required WireGuardKey PrivateKey { get; init; }

    /// <summary>Addresses for the interface, in file order (<c>Address</c>, repeatable, comma lists; no prefix means /32 or /128).</summary>
    public IReadOnlyList<InterfaceAddress> Addresses { get; init; } = [];

    /// <summary>UDP (or TCP) port to listen on; null or 0 lets the system pick one.</summary>
    public int? ListenPort { get; init; }

    /// <summary>DNS servers (the <c>DNS</c> entries that are IP addresses).</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    /// <summary>DNS search domains (the <c>DNS</c> entries that are not addresses, as wg-quick splits them).</summary>
    public IReadOnlyList<string> DnsSearchDomains { get; init; } = [];

    /// <summary>Explicit MTU, or null to derive it from the route to the peers (minus 80, as wg-quick does).</summary>
    public int? Mtu { get; init; }

    public VpnRouteTable Table { get; init; } = VpnRouteTable.Auto;

    /// <summary>Firewall mark for the tunnel's own UDP/TCP sockets; null when unset or <c>off</c>.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>Shell commands run before the interface is created, %i not yet expanded (see <see cref="VpnConfiguration.ExpandHook"/>).</summary>
    public IReadOnlyList<string> PreUp { get; init; } = [];

    /// <summary>Shell commands run once the interface is up and routed.</summary>
    public IReadOnlyList<string> PostUp { get; init; } = [];

    /// <summary>Shell commands run before the interface is taken down.</summary>
    public IReadOnlyList<string> PreDown { get; init; } = [];

    /// <summary>Shell commands run after the interface is gone.</summary>
    public IReadOnlyList<string> PostDown { get; init; } = [];

    /// <summary><c>SaveConfig = true</c>: accepted for compatibility and ignored (SharpTun never rewrites the file).</summary>
    public bool SaveConfig { get; init; }

    /// <summary>
    /// <c>Masquerade = IFACE</c> (SharpTun extension): forward between the tunnel and IFACE and
    /// masquerade the tunnel's subnets out of IFACE (a server giving its peers the Internet). When
    /// IFACE is the tunnel itself, whatever is forwarded into the tunnel is masqueraded instead (a
    /// client acting as the VPN gateway for its LAN).
    /// </summary>
    public string? Masquerade { get; init; }

    public VpnTransport Transport { get; init; } = VpnTransport.Udp;

    /// <summary>The 1-based line of the <c>[Interface]</c> header.</summary>
    public int Line { get; init; }
}

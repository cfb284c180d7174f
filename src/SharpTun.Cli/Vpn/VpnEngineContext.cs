using Microsoft.Extensions.Logging;
using SharpTun.Tun;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Vpn;

/// <summary>Everything <see cref="IVpnEngineFactory.Start"/> gets from <c>vpn up</c>.</summary>
public sealed record VpnEngineContext
{
    /// <summary>The parsed wg-quick file: private key, listen port, transport and the peers.</summary>
    public required VpnConfiguration Configuration { get; init; }

    /// <summary>The TUN device, up, with addresses, MTU and routes applied; read and write its <see cref="LinuxTunDevice.Queues"/>.</summary>
    public required LinuxTunDevice Device { get; init; }

    /// <summary>The device MTU the plan set (largest inner packet).</summary>
    public required int Mtu { get; init; }

    /// <summary>
    /// SO_MARK for every socket the engine opens, or null for none. With a /0 in AllowedIPs this is
    /// what keeps the engine's own packets out of the tunnel (fwmark policy routing).
    /// </summary>
    public uint? FirewallMark { get; init; }

    public required ILoggerFactory Logging { get; init; }
}

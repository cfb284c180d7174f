using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SharpTun.Vpn;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Transport;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// Plugs SharpTun's WireGuard data plane (<see cref="WireGuardDevice"/>) into <c>vpn up</c>: the
/// parsed file becomes device options, endpoint host names are resolved (a name that does not
/// resolve stops <c>up</c>, as in wg-quick), and <c>Transport = tcp</c> picks the TCP transport.
/// </summary>
public sealed class WireGuardEngineFactory : IVpnEngineFactory
{
    public IVpnEngine Start(VpnEngineContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var configuration = context.Configuration;
        var settings = configuration.Interface;
        var fwmark = (int)(context.FirewallMark ?? 0);
        var options = new WireGuardDeviceOptions
        {
            PrivateKey = settings.PrivateKey,
            ListenPort = settings.ListenPort ?? 0,
            FwMark = fwmark,
            Mtu = context.Mtu,
            TunOffload = context.Device.Offload,
            Peers = [.. configuration.Peers.Select(peer => new WireGuardPeerOptions
            {
                PublicKey = peer.PublicKey,
                PresharedKey = peer.PresharedKey,
                AllowedIps = peer.AllowedIps,
                Endpoint = peer.Endpoint is { } endpoint ? PeerEndpoints.Resolve(endpoint) : null,
                PersistentKeepalive = peer.PersistentKeepalive is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            })],
        };
        var logger = context.Logging.CreateLogger("vpn");
        var queue = context.Device.Queues[0];
        var device = settings.Transport == VpnTransport.Tcp
            ? WireGuardDevice.Start(options, queue, TcpTransport.Open(options.ListenPort, fwmark), logger: logger)
            : WireGuardDevice.Start(options, queue, logger: logger);
        return new WireGuardEngine(device, configuration, context.FirewallMark, logger);
    }
}

/// <summary>Resolves a peer's <c>Endpoint</c> (an address, or a host name through the system resolver).</summary>
internal static class PeerEndpoints
{
    /// <summary>The endpoint's address and port; throws <see cref="InvalidOperationException"/> naming the host when it does not resolve.</summary>
    public static IPEndPoint Resolve(VpnEndpoint endpoint)
    {
        if (endpoint.Address is { } address)
            return new IPEndPoint(address, endpoint.Port);
        IPAddress[] addresses;
        try
        {
            addresses = System.Net.Dns.GetHostAddresses(endpoint.Host);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"cannot resolve peer endpoint '{endpoint.Host}': {e.Message}");
        }
        // wg picks the first IPv4 answer when there is one, as most underlays are IPv4-only.
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"cannot resolve peer endpoint '{endpoint.Host}': no addresses");
        return new IPEndPoint(chosen, endpoint.Port);
    }
}

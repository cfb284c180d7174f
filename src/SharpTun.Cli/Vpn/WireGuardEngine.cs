using Microsoft.Extensions.Logging;
using SharpTun.Vpn;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// A running <see cref="WireGuardDevice"/> as <c>vpn up</c> sees it: its status for <c>vpn show</c>,
/// and endpoint host names resolved again when a peer's handshakes stop succeeding
/// (<see cref="PeerEndpointRefresher"/>).
/// </summary>
internal sealed class WireGuardEngine : IVpnEngine
{
    private readonly WireGuardDevice _device;
    private readonly uint? _firewallMark;
    private readonly PeerEndpointRefresher _refresher;
    private int _stopped;

    public WireGuardEngine(WireGuardDevice device, VpnConfiguration configuration, uint? firewallMark, ILogger logger)
    {
        _device = device;
        _firewallMark = firewallMark;
        _refresher = new PeerEndpointRefresher(configuration.Peers, device.GetPeers, device.SetPeerEndpoint, PeerEndpoints.Resolve, TimeProvider.System, logger);
    }

    public Task Completion => _device.Completion;

    public VpnStatus GetStatus() => new()
    {
        PublicKey = _device.PublicKey,
        ListenPort = _device.ListenPort,
        FirewallMark = _firewallMark,
        Peers = [.. _device.GetPeers().Select(peer => new VpnPeerStatus
        {
            PublicKey = peer.PublicKey,
            HasPresharedKey = peer.HasPresharedKey,
            Endpoint = peer.Endpoint,
            AllowedIps = peer.AllowedIps,
            LatestHandshake = peer.LatestHandshake,
            ReceivedBytes = peer.ReceivedBytes,
            SentBytes = peer.SentBytes,
            PersistentKeepalive = peer.PersistentKeepalive is { } interval ? (int)interval.TotalSeconds : null,
        })],
        Dropped = _device.Counters,
    };

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        _refresher.Dispose();
        _device.Dispose();
    }

    public void Dispose() => Stop();
}

using Microsoft.Extensions.Logging;
using SharpTun.Vpn;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// A running <see cref="WireGuardDevice"/> as <c>vpn up</c> sees it: its status for <c>vpn show</c>,
/// and endpoint host names resolved again while a peer's handshakes are stale (a peer behind dynamic
/// DNS moved), the job wireguard-tools leaves to its reresolve-dns script.
/// </summary>
internal sealed partial class WireGuardEngine : IVpnEngine
{
    /// <summary>
    /// A handshake older than this is stale: 135 s, reresolve-dns.sh's threshold (REJECT_AFTER_TIME
    /// plus the rekey retries, after which a working peer has always completed a new handshake).
    /// </summary>
    private static readonly TimeSpan StaleHandshake = TimeSpan.FromSeconds(135);

    private static readonly TimeSpan ResolvePeriod = TimeSpan.FromSeconds(30);

    private readonly WireGuardDevice _device;
    private readonly uint? _firewallMark;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<VpnPeerSettings> _namedPeers;
    private readonly ITimer? _resolver;
    private int _stopped;

    public WireGuardEngine(WireGuardDevice device, VpnConfiguration configuration, uint? firewallMark, ILogger logger)
    {
        _device = device;
        _firewallMark = firewallMark;
        _logger = logger;
        _namedPeers = [.. configuration.Peers.Where(peer => peer.Endpoint is { IsHostName: true })];
        if (_namedPeers.Count > 0)
            _resolver = TimeProvider.System.CreateTimer(_ => ResolveStalePeers(), null, ResolvePeriod, ResolvePeriod);
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

    private void ResolveStalePeers()
    {
        var now = DateTimeOffset.UtcNow;
        var peers = _device.GetPeers().ToDictionary(peer => peer.PublicKey);
        foreach (var settings in _namedPeers)
        {
            if (!peers.TryGetValue(settings.PublicKey, out var status)
                || status.LatestHandshake is { } latest && now - latest < StaleHandshake)
                continue;
            try
            {
                var resolved = PeerEndpoints.Resolve(settings.Endpoint!);
                if (!resolved.Equals(status.Endpoint) && _device.SetPeerEndpoint(settings.PublicKey, resolved))
                    LogEndpointMoved(settings.Endpoint!.Host, status.Endpoint?.ToString() ?? "none", resolved.ToString());
            }
            catch (InvalidOperationException e)
            {
                LogResolveFailed(e.Message);
            }
        }
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        _resolver?.Dispose();
        _device.Dispose();
    }

    public void Dispose() => Stop();

    [LoggerMessage(Level = LogLevel.Information, Message = "peer endpoint {Host} resolved again: {Old} -> {New}")]
    private partial void LogEndpointMoved(string host, string old, string @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}; keeping the previous endpoint")]
    private partial void LogResolveFailed(string message);
}

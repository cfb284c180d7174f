using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Vpn;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// Resolves a peer's <c>Endpoint</c> host name again when its handshakes stop succeeding (a peer
/// behind dynamic DNS moved), the job wireguard-tools leaves to its reresolve-dns.sh script. That
/// script sees only the latest handshake's age and waits until it passes 135 s; the device tells us
/// more: a name is looked up again as soon as an initiation has gone unanswered for almost
/// Rekey-Timeout (just before its retry), so a peer that moved is found again about 20 s after it
/// stopped answering (15 s of unanswered data before the first initiation, paper §6.5, then 4 s). While handshakes keep failing, the same name is looked up at most every 30 s (the
/// script's period); the first failure after a success is looked up at once again.
/// </summary>
public sealed partial class PeerEndpointRefresher : IDisposable
{
    /// <summary>How often the peers' handshake state is looked at.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An initiation unanswered this long means the endpoint stopped answering. Its retry goes out
    /// at Rekey-Timeout (paper §6.4); looking the name up a check before that sends the retry to
    /// the new address rather than once more to the old one.
    /// </summary>
    public static readonly TimeSpan UnansweredFor = Protocol.RekeyTimeout - CheckInterval;

    /// <summary>The least time between two lookups of one peer's name while its handshakes keep failing.</summary>
    public static readonly TimeSpan ResolveInterval = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<VpnPeerSettings> _namedPeers;
    private readonly Func<IReadOnlyList<WireGuardPeerStatus>> _getPeers;
    private readonly Func<WireGuardKey, IPEndPoint, bool> _setEndpoint;
    private readonly Func<VpnEndpoint, IPEndPoint> _resolve;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<WireGuardKey, DateTimeOffset> _lastLookup = [];
    private readonly ITimer _timer;
    private int _checking;

    /// <param name="peers">The configured peers; those whose endpoint is a host name are watched.</param>
    /// <param name="getPeers">The device's peers now (<see cref="WireGuardDevice.GetPeers"/>).</param>
    /// <param name="setEndpoint">Points a peer at a new address (<see cref="WireGuardDevice.SetPeerEndpoint"/>).</param>
    /// <param name="resolve">Resolves a host name; throws <see cref="InvalidOperationException"/> naming the host when it cannot.</param>
    public PeerEndpointRefresher(IEnumerable<VpnPeerSettings> peers, Func<IReadOnlyList<WireGuardPeerStatus>> getPeers,
        Func<WireGuardKey, IPEndPoint, bool> setEndpoint, Func<VpnEndpoint, IPEndPoint> resolve, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(peers);
        _namedPeers = [.. peers.Where(peer => peer.Endpoint is { IsHostName: true })];
        _getPeers = getPeers;
        _setEndpoint = setEndpoint;
        _resolve = resolve;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => Check(), null, _namedPeers.Count > 0 ? CheckInterval : Timeout.InfiniteTimeSpan, CheckInterval);
    }

    private void Check()
    {
        // A lookup can block for the resolver's timeout: a check still running is not joined by another.
        if (Interlocked.Exchange(ref _checking, 1) != 0)
            return;
        try
        {
            var now = _time.GetUtcNow();
            var peers = _getPeers().ToDictionary(peer => peer.PublicKey);
            foreach (var settings in _namedPeers)
            {
                if (!peers.TryGetValue(settings.PublicKey, out var status))
                    continue;
                if (status.UnansweredHandshakeSince is not { } since || now - since < UnansweredFor)
                {
                    _lastLookup.Remove(settings.PublicKey);
                    continue;
                }
                if (_lastLookup.TryGetValue(settings.PublicKey, out var last) && now - last < ResolveInterval)
                    continue;
                _lastLookup[settings.PublicKey] = now;
                Refresh(settings, status);
            }
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    private void Refresh(VpnPeerSettings settings, WireGuardPeerStatus status)
    {
        var host = settings.Endpoint!.Host;
        try
        {
            var resolved = _resolve(settings.Endpoint);
            if (resolved.Equals(status.Endpoint))
                LogEndpointUnchanged(host, resolved.ToString());
            else if (_setEndpoint(settings.PublicKey, resolved))
                LogEndpointMoved(host, status.Endpoint?.ToString() ?? "none", resolved.ToString());
        }
        catch (InvalidOperationException e)
        {
            LogResolveFailed(e.Message);
        }
    }

    public void Dispose() => _timer.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "peer endpoint {Host} resolved again, handshakes were going unanswered: {Old} -> {New}")]
    private partial void LogEndpointMoved(string host, string old, string @new);

    [LoggerMessage(Level = LogLevel.Debug, Message = "peer endpoint {Host} resolved again, handshakes were going unanswered: still {Endpoint}")]
    private partial void LogEndpointUnchanged(string host, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}; keeping the previous endpoint")]
    private partial void LogResolveFailed(string message);
}

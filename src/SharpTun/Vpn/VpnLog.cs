using System.Net;
using Microsoft.Extensions.Logging;

namespace SharpTun.Vpn;

internal static partial class VpnLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "handshake with peer {Peer} completed ({Role})")]
    public static partial void HandshakeCompleted(ILogger logger, WireGuardKey peer, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "no handshake with peer {Peer} after {Attempts} attempts; giving up until there is traffic for it again")]
    public static partial void HandshakeGaveUp(ILogger logger, WireGuardKey peer, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "peer {Peer} roamed to {Endpoint}")]
    public static partial void EndpointChanged(ILogger logger, WireGuardKey peer, IPEndPoint endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "under load: answering a handshake from {Source} with a cookie")]
    public static partial void CookieSent(ILogger logger, IPEndPoint source);

    [LoggerMessage(Level = LogLevel.Error, Message = "the {Loop} loop of the WireGuard device failed; the device stops")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string loop);
}

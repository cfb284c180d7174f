using Microsoft.Extensions.Logging;

namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// Connects straight to the destination from this host. A domain is resolved with
/// <see cref="OutboundOptions.DomainResolver"/> (the system resolver by default) and its addresses
/// tried in order; sockets carry the configured fwmark/interface so
/// they do not loop back into the TUN.
/// </summary>
public sealed partial class DirectOutbound(OutboundOptions options, ILogger logger) : IOutbound
{
    /// <inheritdoc/>
    public string Name => "direct";

    /// <summary>The loop-prevention options its sockets carry (UDP associations on the direct path use them too).</summary>
    public OutboundSocketOptions SocketOptions => options.SocketOptions;

    /// <inheritdoc/>
    public async ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct)
    {
        using var deadline = new ConnectDeadline(options, ct);
        var attempt = await TcpConnector.ConnectAsync(destination, "", options, deadline).ConfigureAwait(false);
        if (attempt.Socket is null)
        {
            LogConnectFailed(destination, attempt.Error, attempt.Message);
            return OutboundConnectResult.Failure(attempt.Error, attempt.Message);
        }
        return OutboundConnectResult.Success(new ProxyConnection(attempt.Socket));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "direct connect to {Destination} failed ({Error}): {Reason}")]
    private partial void LogConnectFailed(ProxyDestination destination, OutboundError error, string reason);
}

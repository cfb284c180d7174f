namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// Opens TCP connections to destinations, directly or through a proxy.
/// Contract: expected network failures (refused, unreachable, timeout, bad proxy reply, auth failure)
/// come back as a failed <see cref="OutboundConnectResult"/>, never as an exception; the attempt,
/// proxy handshake included, ends within the configured connect timeout. Only cancellation through
/// <c>ct</c> throws (<see cref="OperationCanceledException"/>). Safe to call concurrently.
/// </summary>
public interface IOutbound
{
    /// <summary>A short name for log lines: "direct", "socks5 127.0.0.1:1080"...</summary>
    string Name { get; }

    /// <summary>Connects to <paramref name="destination"/>; see the interface contract.</summary>
    ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct);
}

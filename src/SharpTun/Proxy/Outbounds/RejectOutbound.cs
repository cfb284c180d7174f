namespace SharpTun.Proxy.Outbounds;

/// <summary>Refuses every flow with <see cref="OutboundError.Rejected"/>, so the app sees its connection refused.</summary>
public sealed class RejectOutbound : IOutbound
{
    /// <inheritdoc/>
    public string Name => "reject";

    /// <inheritdoc/>
    public ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return ValueTask.FromResult(OutboundConnectResult.Failure(OutboundError.Rejected, $"{destination} rejected by the reject outbound"));
    }
}

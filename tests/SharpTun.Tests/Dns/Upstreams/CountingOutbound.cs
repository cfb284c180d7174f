using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>An outbound that passes every connect to another one and counts them.</summary>
internal sealed class CountingOutbound(IOutbound inner) : IOutbound
{
    private int _connects;

    /// <summary>A counting direct outbound with a 3-second connect timeout.</summary>
    public static CountingOutbound Direct() =>
        new(new DirectOutbound(new OutboundOptions { ConnectTimeout = TimeSpan.FromSeconds(3) }, NullLogger.Instance));

    public string Name => inner.Name;

    public int Connects => Volatile.Read(ref _connects);

    public ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct)
    {
        Interlocked.Increment(ref _connects);
        return inner.ConnectTcpAsync(destination, ct);
    }
}

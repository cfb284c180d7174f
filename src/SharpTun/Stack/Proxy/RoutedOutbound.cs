using SharpTun.Proxy.Outbounds;

namespace SharpTun.Stack.Proxy;

/// <summary>An outbound under the name rules give it ("DIRECT", "proxy-a").</summary>
/// <param name="Name">The name rules use.</param>
/// <param name="Outbound">The outbound itself.</param>
/// <param name="ShowName">Log lines show the name too (false for a name nobody wrote, such as --proxy's).</param>
public sealed record RoutedOutbound(string Name, IOutbound Outbound, bool ShowName = true)
{
    /// <summary>True for outbounds that carry a domain to a proxy which resolves it (SOCKS5, HTTP CONNECT).</summary>
    public bool SendsDomain => Outbound is SharpTun.Proxy.Outbounds.Socks5.Socks5Outbound or SharpTun.Proxy.Outbounds.Http.HttpConnectOutbound;

    /// <summary>"proxy-a (socks5 127.0.0.1:1080)", or the outbound's own name when it is the same word.</summary>
    public string Description { get; } = !ShowName || string.Equals(Name, Outbound.Name, StringComparison.OrdinalIgnoreCase) ? Outbound.Name : $"{Name} ({Outbound.Name})";
}

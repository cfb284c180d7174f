using SharpTun.Proxy.Outbounds;

namespace SharpTun.Dns.Upstreams;

/// <summary>Settings <see cref="DnsUpstreamFactory"/> gives the upstreams it builds.</summary>
public sealed record DnsUpstreamOptions
{
    /// <summary>
    /// Carries the TCP, TLS and HTTPS connections: a SOCKS5 or HTTP outbound to resolve over the
    /// proxy; null for a direct outbound with <see cref="SocketOptions"/> and <see cref="ConnectTimeout"/>.
    /// UDP upstreams (and their TCP fallback) always go direct.
    /// </summary>
    public IOutbound? Outbound { get; init; }

    /// <summary>Loop prevention (fwmark, bound interface) for every socket an upstream opens itself.</summary>
    public OutboundSocketOptions SocketOptions { get; init; } = OutboundSocketOptions.None;

    /// <summary>The connect timeout of the direct outbound made when <see cref="Outbound"/> is null.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A UDP query still unanswered after this long is sent again (glibc waits 5 s; a lost datagram should not cost that).</summary>
    public TimeSpan UdpRetransmitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the <c>system</c> upstream finds its name servers.</summary>
    public string ResolvConfPath { get; init; } = ResolvConfNameServers.DefaultPath;

    /// <summary>The clock for retransmits and connect timeouts; tests may pass their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

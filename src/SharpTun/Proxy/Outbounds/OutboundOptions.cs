namespace SharpTun.Proxy.Outbounds;

/// <summary>Settings shared by every outbound.</summary>
public sealed record OutboundOptions
{
    /// <summary>The default connect timeout: 10 seconds, covering DNS, TCP connect and the proxy handshake.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection attempt may take in total (resolve, connect, proxy handshake).</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>Options applied to every socket an outbound opens (fwmark, bound interface).</summary>
    public OutboundSocketOptions SocketOptions { get; init; } = OutboundSocketOptions.None;

    /// <summary>
    /// Resolves domain destinations (and proxy servers given by name): the system resolver by
    /// default; SharpTun's own <c>DnsResolver</c> where the host's resolv.conf may lead back into SharpTun.
    /// </summary>
    public IDomainResolver DomainResolver { get; init; } = SystemDomainResolver.Instance;

    /// <summary>The clock for timeouts; tests may pass their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

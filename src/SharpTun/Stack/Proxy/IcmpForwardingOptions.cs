namespace SharpTun.Stack.Proxy;

/// <summary>Bounds of the echo mappings an <see cref="IcmpEchoForwarder"/> keeps.</summary>
public sealed record IcmpForwardingOptions
{
    /// <summary>
    /// A mapping (app address and identifier to socket or identifier of ours) with no echo either way
    /// for this long is closed: 30 s, as Linux conntrack keeps an ICMP entry (nf_conntrack_icmp_timeout).
    /// An echo to an unreachable address gets no reply, so its mapping ends this way.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most mappings per address family; the least recently used is closed to make room (at most 65,535).</summary>
    public int MaximumMappings { get; init; } = 1024;
}

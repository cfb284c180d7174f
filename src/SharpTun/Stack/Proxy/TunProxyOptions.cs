using SharpTun.Host;

namespace SharpTun.Stack.Proxy;

/// <summary>How a <see cref="TunProxy"/> uses its TUN device.</summary>
public sealed record TunProxyOptions
{
    /// <summary>The device's IPv4 address and subnet: the NAT listener's address, and the pool of virtual endpoints.</summary>
    public required InterfaceAddress Ipv4 { get; init; }

    /// <summary>The device's IPv6 address and subnet, or null for IPv4 only.</summary>
    public InterfaceAddress? Ipv6 { get; init; }

    /// <summary>Largest packet the device carries (its MTU); read buffers hold one each.</summary>
    public int Mtu { get; init; } = 1500;

    public IcmpMode Icmp { get; init; } = IcmpMode.Reply;

    /// <summary>A UDP mapping with no datagram either way for this long is closed.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most UDP mappings at once; the least recently used is closed to make room.</summary>
    public int UdpMaximumMappings { get; init; } = 4096;
}

using SharpTun.Host;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;

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

    /// <summary>
    /// The queues were opened with <see cref="Tun.TunOptions.Offload"/>: reads may be TCP
    /// super-packets of up to <see cref="Tun.VirtioNetHeader.LargestPacket"/> bytes, so read buffers
    /// are that large, and partial checksums are rewritten as such.
    /// </summary>
    public bool TunOffload { get; init; }

    /// <summary>How long each queue's event loop keeps polling without sleeping after it handled something (0: off; see <see cref="SharpTun.Proxy.Relay.EventLoop"/>).</summary>
    public TimeSpan BusyPoll { get; init; }

    public IcmpMode Icmp { get; init; } = IcmpMode.Reply;

    /// <summary>Mark and interface of the sockets <see cref="IcmpMode.Forward"/> sends echo requests on.</summary>
    public OutboundSocketOptions IcmpSocketOptions { get; init; } = OutboundSocketOptions.None;

    /// <summary>A UDP mapping with no datagram either way for this long is closed.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most UDP mappings at once; the least recently used is closed to make room.</summary>
    public int UdpMaximumMappings { get; init; } = 4096;

    /// <summary>Which ports of each TUN address the TCP NAT hands out (the pool's size is addresses x ports).</summary>
    public NatPoolOptions NatPool { get; init; } = new();

    /// <summary>
    /// How long a flow to a real address may wait for the app's first bytes, to learn its domain
    /// from them (TLS SNI, HTTP Host); zero turns sniffing off. Only flows to <see cref="SniffPorts"/>
    /// wait, and only when a rule or an outbound can use the domain.
    /// </summary>
    public TimeSpan SniffTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Destination ports whose flows are sniffed: those of HTTP and TLS, where the client speaks first.</summary>
    public IReadOnlySet<int> SniffPorts { get; init; } = DefaultSniffPorts;

    /// <summary>The ports sniffed unless told otherwise.</summary>
    public static readonly IReadOnlySet<int> DefaultSniffPorts = new HashSet<int> { 80, 443, 8080, 8443 };

    /// <summary>
    /// The name of the local process owning a flow's source socket, for PROCESS-NAME rules; null
    /// when unknown. A UDP association is decided on the reading thread, so it uses the name only
    /// when it is known at once (a lookup that must scan /proc finishes in the background and
    /// serves the next association of that process).
    /// </summary>
    public Func<SharpTun.Proxy.Rules.RuleNetwork, NatEndpoint, NatEndpoint, CancellationToken, ValueTask<string?>>? ProcessNames { get; init; }

    /// <summary>
    /// How long disposing waits for running TCP flows to end by themselves before aborting them (an
    /// RST each way). Long enough for the flows of an app that just exited to finish passing its FINs on.
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(3);
}

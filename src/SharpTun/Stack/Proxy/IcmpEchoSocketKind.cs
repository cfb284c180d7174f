namespace SharpTun.Stack.Proxy;

/// <summary>The kind of socket forwarded echo requests leave the host on.</summary>
public enum IcmpEchoSocketKind
{
    /// <summary>
    /// Unprivileged ping sockets (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)), one per app identifier:
    /// the kernel picks the identifier, routes the replies to the socket and checksums the request.
    /// Allowed only to groups in net.ipv4.ping_group_range (which governs ICMPv6 too).
    /// </summary>
    Ping,

    /// <summary>
    /// One raw ICMP socket per family (needs CAP_NET_RAW): we pick each mapping's identifier and sort
    /// the replies out ourselves. The fallback when ping_group_range excludes us, as ping(8) does.
    /// </summary>
    Raw,
}

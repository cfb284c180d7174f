namespace SharpTun.Host;

/// <summary>A network interface as rtnetlink reports it (RTM_GETLINK).</summary>
/// <param name="Index">The interface index.</param>
/// <param name="Name">The interface name.</param>
/// <param name="Mtu">Current MTU.</param>
/// <param name="MinMtu">Smallest MTU the driver accepts (IFLA_MIN_MTU), when reported.</param>
/// <param name="MaxMtu">Largest MTU the driver accepts (IFLA_MAX_MTU), when reported.</param>
/// <param name="IsUp">Administratively up (IFF_UP).</param>
/// <param name="Kind">The link kind (IFLA_INFO_KIND: "tun", "veth", "dummy"...), or null for plain devices such as lo.</param>
/// <param name="Tun">TUN/TAP details when <paramref name="Kind"/> is "tun".</param>
public sealed record NetworkLink(int Index, string Name, int Mtu, int? MinMtu, int? MaxMtu, bool IsUp, string? Kind, TunLinkInfo? Tun);

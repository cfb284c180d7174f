using System.Net;
using System.Net.Sockets;
using SharpTun.Host;

namespace SharpTun.Vpn.Plan;

/// <summary>
/// Finds the MTU of the path under the tunnel the way wg-quick's <c>set_mtu_up</c> does: the
/// largest MTU among the routes to the peers' endpoints (a route's own <c>mtu</c>, else its
/// device's), else that of the IPv4 default route. Read-only: needs no privilege.
/// </summary>
public static class VpnUnderlayMtuProbe
{
    public static VpnUnderlayMtu Measure(RtNetlink netlink, IEnumerable<IPAddress> endpoints)
    {
        ArgumentNullException.ThrowIfNull(netlink);
        ArgumentNullException.ThrowIfNull(endpoints);
        VpnUnderlayMtu? best = null;
        foreach (var endpoint in endpoints)
        {
            if (netlink.GetRoute(endpoint) is { } route && MtuOf(netlink, route) is { } found && found.Mtu > (best?.Mtu ?? 0))
                best = new VpnUnderlayMtu(found.Mtu, $"route to {endpoint} via {found.Device}");
        }
        if (best is not null)
            return best;
        if (netlink.FindDefaultRoute(AddressFamily.InterNetwork) is { } fallback && MtuOf(netlink, fallback) is { } viaDefault)
            return new VpnUnderlayMtu(viaDefault.Mtu, $"default route via {viaDefault.Device}");
        return VpnUnderlayMtu.Unknown;
    }

    private static (int Mtu, string Device)? MtuOf(RtNetlink netlink, RouteLookup route)
    {
        var link = netlink.FindLink(route.InterfaceIndex);
        if (link is null)
            return null;
        return (route.Mtu ?? link.Mtu, link.Name);
    }
}

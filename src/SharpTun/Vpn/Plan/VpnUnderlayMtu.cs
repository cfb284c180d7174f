namespace SharpTun.Vpn.Plan;

/// <summary>
/// The MTU of the path the tunnel's packets take (the route to the peers' endpoints, else the
/// default route), as found on the host, with where it came from for the user.
/// </summary>
/// <param name="Mtu">The largest MTU among the routes found; null when none was found.</param>
/// <param name="Source">How it was found, e.g. <c>route to 192.0.2.1 via eth0</c>.</param>
public sealed record VpnUnderlayMtu(int? Mtu, string Source)
{
    public static VpnUnderlayMtu Unknown { get; } = new(null, "no route to an endpoint and no default route");
}

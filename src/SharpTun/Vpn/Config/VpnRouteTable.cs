namespace SharpTun.Vpn.Config;

/// <summary>What <c>Table =</c> asks for: where the routes to the peers' AllowedIPs go.</summary>
public enum VpnRouteTableKind
{
    /// <summary>The main table, with wg-quick's policy routing for a /0 (the default, <c>Table = auto</c>).</summary>
    Auto,

    /// <summary>No routes at all (<c>Table = off</c>): the user routes into the interface.</summary>
    Off,

    /// <summary>Every route into the given table, no policy routing (<c>Table = 1234</c> or <c>main</c>).</summary>
    Id,
}

/// <summary>The <c>Table</c> setting of a wg-quick file.</summary>
public readonly record struct VpnRouteTable(VpnRouteTableKind Kind, uint Id = 0)
{
    public static VpnRouteTable Auto => new(VpnRouteTableKind.Auto);

    public static VpnRouteTable Off => new(VpnRouteTableKind.Off);

    public override string ToString() => Kind switch
    {
        VpnRouteTableKind.Auto => "auto",
        VpnRouteTableKind.Off => "off",
        _ => Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

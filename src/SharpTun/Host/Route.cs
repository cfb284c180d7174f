using System.Net;
using System.Text;

namespace SharpTun.Host;

/// <summary>A unicast route: a destination prefix through a device and/or a gateway, in a table.</summary>
public sealed record Route
{
    /// <summary>The main routing table (RT_TABLE_MAIN).</summary>
    public const uint MainTable = 254;

    public required IPNetwork Destination { get; init; }

    /// <summary>Output interface name (RTA_OIF), or null to let the kernel pick from the gateway.</summary>
    public string? Device { get; init; }

    /// <summary>Next hop (RTA_GATEWAY), or null for a directly connected route.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Routing table id; ids above 255 are supported.</summary>
    public uint Table { get; init; } = MainTable;

    /// <summary>Route priority (RTA_PRIORITY); lower wins. Null uses the kernel default.</summary>
    public uint? Metric { get; init; }

    /// <summary>In the style of <c>ip route</c>: <c>10.0.0.0/24 dev st0 table 100</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Destination.ToString());
        if (Gateway is not null)
            text.Append(" via ").Append(Gateway);
        if (Device is not null)
            text.Append(" dev ").Append(Device);
        if (Table != MainTable)
            text.Append(" table ").Append(Table);
        if (Metric is not null)
            text.Append(" metric ").Append(Metric);
        return text.ToString();
    }
}

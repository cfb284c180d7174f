using System.Net.Sockets;
using System.Text;

namespace SharpTun.Host;

/// <summary>A policy routing rule (<c>ip rule</c>) that looks up <see cref="Table"/>.</summary>
public sealed record RoutingRule
{
    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.InterNetwork;

    /// <summary>Rule priority (FRA_PRIORITY); lower runs first. Required: the kernel's default is easy to collide with.</summary>
    public required uint Priority { get; init; }

    public required uint Table { get; init; }

    /// <summary>Match packets with this firewall mark (FRA_FWMARK).</summary>
    public uint? FwMark { get; init; }

    /// <summary>Mask applied before comparing <see cref="FwMark"/> (FRA_FWMASK).</summary>
    public uint? FwMask { get; init; }

    /// <summary>Ignore lookup results with a prefix this long or shorter (FRA_SUPPRESS_PREFIXLEN), e.g. 0 to skip default routes.</summary>
    public int? SuppressPrefixLength { get; init; }

    /// <summary>Match packets arriving on this interface (FRA_IIFNAME).</summary>
    public string? InputInterface { get; init; }

    /// <summary>Negate the selector (<c>ip rule add not ...</c>).</summary>
    public bool Invert { get; init; }

    /// <summary>In the style of <c>ip rule</c>: <c>priority 1000 not fwmark 0x1/0xff lookup 100</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Family == AddressFamily.InterNetworkV6 ? "-6 " : "");
        text.Append("priority ").Append(Priority);
        if (Invert)
            text.Append(" not");
        if (InputInterface is not null)
            text.Append(" iif ").Append(InputInterface);
        if (FwMark is not null)
        {
            text.Append(" fwmark 0x").Append(FwMark.Value.ToString("x"));
            if (FwMask is not null)
                text.Append("/0x").Append(FwMask.Value.ToString("x"));
        }
        text.Append(" lookup ").Append(Table);
        if (SuppressPrefixLength is not null)
            text.Append(" suppress_prefixlength ").Append(SuppressPrefixLength);
        return text.ToString();
    }
}

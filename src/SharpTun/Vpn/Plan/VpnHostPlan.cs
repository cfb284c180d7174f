using System.Net.Sockets;
using SharpTun.Host;
using SharpTun.Interop;

namespace SharpTun.Vpn.Plan;

/// <summary>
/// The changes to the host that bring a VPN interface up the way wg-quick(8) would, computed from
/// the configuration (see <see cref="VpnHostPlanner"/>) before any is made. <see cref="Apply"/>
/// makes them through <see cref="HostChanges"/>, so each is journaled and undone on exit, or by
/// cleanup after a crash.
/// </summary>
public sealed record VpnHostPlan
{
    public required string Interface { get; init; }

    /// <summary>
    /// Parameters of the interface itself, set before its addresses and before it goes up (the
    /// kernel reads them then): no IPv6 link-local address, see <see cref="VpnHostPlanner"/>. One
    /// this kernel lacks (IPv6 disabled at boot) is skipped: there is nothing to keep off then.
    /// </summary>
    public IReadOnlyList<VpnSysctlSetting> InterfaceSysctls { get; init; } = [];

    public IReadOnlyList<InterfaceAddress> Addresses { get; init; } = [];

    public required int Mtu { get; init; }

    /// <summary>Where <see cref="Mtu"/> came from, for the user.</summary>
    public required string MtuReason { get; init; }

    /// <summary>Routes in the order they are added: longest prefix first, as wg-quick does.</summary>
    public IReadOnlyList<Route> Routes { get; init; } = [];

    public IReadOnlyList<RoutingRule> Rules { get; init; } = [];

    /// <summary>
    /// The mark every socket of the tunnel itself must carry (SO_MARK), so that its packets escape
    /// the policy routing into the tunnel; null when none is needed or configured.
    /// </summary>
    public uint? FirewallMark { get; init; }

    public IReadOnlyList<VpnSysctlSetting> Sysctls { get; init; } = [];

    /// <summary>How the configuration's DNS servers reach the resolver; null when it has none.</summary>
    public VpnDnsPlan? Dns { get; init; }

    /// <summary>The nftables table for MSS clamping, the policy-routing helpers and masquerading.</summary>
    public NftablesTable? Firewall { get; init; }

    /// <summary>What the plan deliberately leaves to the user (other firewalls) or the user should know.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// Checks, changing nothing, what can be known before any change to make <see cref="Apply"/>
    /// fail halfway (the DNS step's file is not writable), so that <c>vpn up</c> refuses before the
    /// tunnel goes up. Throws an <see cref="InvalidOperationException"/> saying what and why.
    /// </summary>
    public void CheckApplicable() => Dns?.CheckApplicable();

    /// <summary>
    /// Makes the changes on the existing interface <see cref="Interface"/> (the caller creates the
    /// TUN): its own parameters, addresses, MTU and link up, DNS (where wg-quick sets it), routes,
    /// rules, sysctls, then the nftables table. A failure throws; what was already done stays
    /// journaled for <see cref="HostChanges.Undo"/>.
    /// </summary>
    public void Apply(HostChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var sysctl in InterfaceSysctls)
        {
            try
            {
                changes.SetSysctl(sysctl.Name, sysctl.Value);
            }
            catch (InteropException e) when (e.Errno == Errno.ENOENT)
            {
                // No IPv6 in this kernel.
            }
        }
        foreach (var address in Addresses)
            changes.AddAddress(Interface, address);
        changes.SetMtu(Interface, Mtu);
        changes.SetLinkUp(Interface, up: true);
        Dns?.Apply(changes);
        foreach (var route in Routes)
            changes.AddRoute(route);
        foreach (var rule in Rules)
            changes.AddRule(rule);
        foreach (var sysctl in Sysctls)
            changes.SetSysctl(sysctl.Name, sysctl.Value);
        if (Firewall is not null)
            changes.AddNftablesTable(Firewall);
    }

    /// <summary>The plan as the equivalent commands, one per line (an nft ruleset spans several).</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        foreach (var sysctl in InterfaceSysctls)
            lines.Add($"{sysctl}    # {sysctl.Reason}");
        foreach (var address in Addresses)
            lines.Add($"ip {FamilyFlag(address.Address.AddressFamily)} address add {address} dev {Interface}");
        lines.Add($"ip link set mtu {Mtu} up dev {Interface}    # {MtuReason}");
        if (Dns is not null)
            lines.AddRange(Dns.Describe());
        foreach (var route in Routes)
            lines.Add($"ip {FamilyFlag(route.Destination.BaseAddress.AddressFamily)} route add {route}");
        foreach (var rule in Rules)
            lines.Add($"ip {FamilyFlag(rule.Family)} rule add {rule.ToString().Replace("-6 ", "", StringComparison.Ordinal)}");
        foreach (var sysctl in Sysctls)
            lines.Add($"{sysctl}    # {sysctl.Reason}");
        if (Firewall is not null)
        {
            lines.Add("nft -f - <<'EOF'");
            lines.AddRange(Firewall.Ruleset.TrimEnd().Split('\n'));
            lines.Add("EOF");
        }
        if (FirewallMark is { } mark)
            lines.Add($"# the tunnel's own sockets carry fwmark 0x{mark:x}");
        foreach (var note in Notes)
            lines.Add($"# {note}");
        return lines;
    }

    private static string FamilyFlag(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "-6" : "-4";
}

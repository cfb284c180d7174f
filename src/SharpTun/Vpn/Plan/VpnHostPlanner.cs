using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.Host;
using SharpTun.Host.Resolver;
using SharpTun.Vpn.Config;

namespace SharpTun.Vpn.Plan;

/// <summary>
/// Computes the <see cref="VpnHostPlan"/> for a configuration: a pure function of the configuration,
/// the MTU found on the host and how its resolver is set up, so every case is tested without
/// touching one. It follows wg-quick(8)'s <c>cmd_up</c>: addresses; the MTU (explicit, or the
/// underlying route's minus 80); DNS (<see cref="VpnDnsPlan"/>); a route into the interface for
/// every AllowedIPs prefix, longest first; and for a /0 with <c>Table = auto</c>, policy routing
/// by firewall mark instead of a default route.
/// </summary>
public static class VpnHostPlanner
{
    /// <summary>
    /// The WireGuard overhead wg-quick subtracts from the underlying MTU: 20 (IPv4, or 40 for IPv6)
    /// + 8 UDP + 32 WireGuard header and tag, rounded up for IPv6 (WireGuard paper §6, wg-quick).
    /// </summary>
    public const int Overhead = 80;

    /// <summary>wg-quick's fallback underlying MTU when no route is found: 1500, so the tunnel gets 1420.</summary>
    public const int FallbackUnderlayMtu = 1500;

    /// <summary>
    /// IN6_ADDR_GEN_MODE_NONE for the interface's <c>addr_gen_mode</c>: no IPv6 link-local address,
    /// as a kernel WireGuard interface has none (systemd-networkd sets the same for one). A TUN gets
    /// one, and the kernel then sends router solicitations and MLD reports from it into the tunnel:
    /// no peer's AllowedIPs holds them, or with ::/0 the peer gets them and drops them as a source
    /// it does not allow; either way they only show up as drops.
    /// </summary>
    public const string NoLinkLocalAddressMode = "1";

    public static VpnHostPlan Create(VpnConfiguration configuration, VpnUnderlayMtu underlay, ResolverSetup resolver)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(underlay);
        ArgumentNullException.ThrowIfNull(resolver);
        var name = configuration.InterfaceName;
        var settings = configuration.Interface;
        VpnFirewallRuleset.ValidateName(name);
        if (settings.Masquerade is { } masquerade)
            VpnFirewallRuleset.ValidateName(masquerade);

        var (mtu, mtuReason) = settings.Mtu is { } explicitMtu
            ? (explicitMtu, "MTU from the configuration")
            : underlay.Mtu is { } path
                ? (Math.Max(VpnConfigurationValues.MinimumMtu, path - Overhead), $"{path} of the {underlay.Source}, minus {Overhead}")
                : (FallbackUnderlayMtu - Overhead, $"{underlay.Source}: {FallbackUnderlayMtu} minus {Overhead}");

        var routes = new List<Route>();
        var rules = new List<RoutingRule>();
        var sysctls = new List<VpnSysctlSetting>();
        var firewall = new StringBuilder();
        var notes = new List<string>();
        uint? mark = settings.FirewallMark;
        var defaultFamilies = new List<AddressFamily>();

        foreach (var prefix in AllowedPrefixesLongestFirst(configuration))
        {
            var family = prefix.BaseAddress.AddressFamily;
            switch (settings.Table.Kind)
            {
                case VpnRouteTableKind.Off:
                    break;
                case VpnRouteTableKind.Id:
                    if (!(settings.Table.Id == Route.MainTable && IsConnected(prefix, settings.Addresses)))
                        routes.Add(new Route { Destination = prefix, Device = name, Table = settings.Table.Id });
                    break;
                case VpnRouteTableKind.Auto when prefix.PrefixLength == 0:
                    // wg-quick's add_default: the mark doubles as the table id.
                    var table = mark ??= VpnPolicyRouting.DefaultFirewallMark;
                    routes.Add(new Route { Destination = prefix, Device = name, Table = table });
                    rules.Add(new RoutingRule { Family = family, Priority = VpnPolicyRouting.TunnelTablePriority, FwMark = table, Invert = true, Table = table });
                    rules.Add(new RoutingRule { Family = family, Priority = VpnPolicyRouting.SuppressMainDefaultPriority, Table = Route.MainTable, SuppressPrefixLength = 0 });
                    defaultFamilies.Add(family);
                    if (family == AddressFamily.InterNetwork)
                        sysctls.Add(new VpnSysctlSetting(VpnPolicyRouting.SourceValidMarkSysctl, "1", "replies to the tunnel's marked packets pass the reverse-path filter"));
                    break;
                case VpnRouteTableKind.Auto:
                    // The kernel already routes an address's own subnet into the interface.
                    if (!IsConnected(prefix, settings.Addresses))
                        routes.Add(new Route { Destination = prefix, Device = name });
                    break;
            }
        }

        VpnFirewallRuleset.AppendMssClamping(firewall, name);
        if (defaultFamilies.Count > 0)
        {
            var protectedAddresses = settings.Addresses.Where(a => defaultFamilies.Contains(a.Address.AddressFamily));
            VpnFirewallRuleset.AppendPolicyRoutingHelpers(firewall, name, protectedAddresses, mark!.Value, settings.Transport);
        }
        if (settings.Masquerade is { } outInterface)
        {
            VpnFirewallRuleset.AppendMasquerade(firewall, name, outInterface);
            sysctls.Add(new VpnSysctlSetting("net.ipv4.ip_forward", "1", $"Masquerade: forward between {name} and {outInterface}"));
            // Only with IPv6 in the tunnel: forwarding=1 also stops the host accepting router
            // advertisements on interfaces left at accept_ra=1, which would cost it its SLAAC address.
            if (settings.Addresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6))
                sysctls.Add(new VpnSysctlSetting("net.ipv6.conf.all.forwarding", "1", $"Masquerade: forward IPv6 between {name} and {outInterface}"));
            notes.Add($"forwarding between {name} and {outInterface} is switched on; a firewall that drops forwarded packets must allow them itself");
        }
        var dns = VpnDnsPlan.Create(configuration, resolver, notes);

        return new VpnHostPlan
        {
            Interface = name,
            InterfaceSysctls = InterfaceSysctls(name),
            Addresses = settings.Addresses,
            Mtu = mtu,
            MtuReason = mtuReason,
            Routes = routes,
            Rules = rules,
            FirewallMark = mark,
            Sysctls = sysctls,
            Dns = dns,
            Firewall = new NftablesTable("inet", NftablesTable.NameFor(name), firewall.ToString()),
            Notes = notes,
        };
    }

    /// <summary>
    /// The interface's own parameters. Sysctl names of interfaces with '.', '=' or '+' (which
    /// wg-quick allows) cannot be written as <c>net.ipv6.conf.NAME.addr_gen_mode</c>; such an
    /// interface keeps its link-local address.
    /// </summary>
    private static List<VpnSysctlSetting> InterfaceSysctls(string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? [new VpnSysctlSetting($"net.ipv6.conf.{name}.addr_gen_mode", NoLinkLocalAddressMode, "no IPv6 link-local address, as on a WireGuard interface: the kernel's router solicitations would only go into the tunnel")]
            : [];

    /// <summary>Every peer's AllowedIPs once, longest prefix first (wg-quick: <c>sort -nr -k 2 -t /</c>), file order otherwise.</summary>
    private static List<IPNetwork> AllowedPrefixesLongestFirst(VpnConfiguration configuration)
    {
        var prefixes = new List<IPNetwork>();
        foreach (var peer in configuration.Peers)
        {
            foreach (var prefix in peer.AllowedIps)
            {
                if (!prefixes.Contains(prefix))
                    prefixes.Add(prefix);
            }
        }
        return [.. prefixes.OrderByDescending(p => p.PrefixLength)];
    }

    /// <summary>True when an interface address's subnet contains <paramref name="prefix"/>: the kernel's connected route covers it.</summary>
    private static bool IsConnected(IPNetwork prefix, IReadOnlyList<InterfaceAddress> addresses)
    {
        foreach (var address in addresses)
        {
            var network = address.Network;
            if (network.BaseAddress.AddressFamily == prefix.BaseAddress.AddressFamily
                && network.PrefixLength <= prefix.PrefixLength && network.Contains(prefix.BaseAddress))
                return true;
        }
        return false;
    }
}

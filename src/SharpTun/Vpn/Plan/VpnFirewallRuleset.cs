using System.Net.Sockets;
using System.Text;
using SharpTun.Host;
using SharpTun.Vpn.Config;

namespace SharpTun.Vpn.Plan;

/// <summary>
/// The chains of the VPN interface's nftables table (<c>table inet sharptun_NAME</c>), in nft syntax.
/// One <c>inet</c> table serves both families; every chain only adds to what other tables decide
/// (an accept here cannot override a drop elsewhere, so no accept rules are added).
/// </summary>
internal static class VpnFirewallRuleset
{
    /// <summary>
    /// TCP MSS clamping on forwarded SYNs to and from the tunnel: the MSS is lowered to fit the MTU
    /// of the route the packet takes (<c>rt mtu</c>), so bulk transfers through a tunnel with a
    /// smaller MTU do not stall on lost ICMP "fragmentation needed" messages.
    /// </summary>
    public static void AppendMssClamping(StringBuilder body, string tunnel)
    {
        body.Append("    chain forward {\n")
            .Append("        type filter hook forward priority mangle; policy accept;\n")
            .Append($"        oifname \"{tunnel}\" tcp flags syn tcp option maxseg size set rt mtu\n")
            .Append($"        iifname \"{tunnel}\" tcp flags syn tcp option maxseg size set rt mtu\n")
            .Append("    }\n");
    }

    /// <summary>
    /// wg-quick's companions of the policy routing for a /0: drop packets addressed to the tunnel's
    /// addresses that arrive on another interface from a non-local source (they could only be
    /// spoofed to probe the tunnel, CVE-2019-14899), and keep the tunnel's mark on its connection
    /// (save it in conntrack on the way out, restore it on replies) so that replies pass the
    /// reverse-path filter through <c>src_valid_mark</c>.
    /// </summary>
    public static void AppendPolicyRoutingHelpers(StringBuilder body, string tunnel, IEnumerable<InterfaceAddress> protectedAddresses, uint mark, VpnTransport transport)
    {
        var protocol = transport == VpnTransport.Tcp ? "tcp" : "udp";
        body.Append("    chain preraw {\n")
            .Append("        type filter hook prerouting priority raw; policy accept;\n");
        foreach (var address in protectedAddresses)
        {
            var family = address.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
            body.Append($"        iifname != \"{tunnel}\" {family} daddr {address.Address} fib saddr type != local drop\n");
        }
        body.Append("    }\n")
            .Append("    chain premangle {\n")
            .Append("        type filter hook prerouting priority mangle; policy accept;\n")
            .Append($"        meta l4proto {protocol} meta mark set ct mark\n")
            .Append("    }\n")
            .Append("    chain postmangle {\n")
            .Append("        type filter hook postrouting priority mangle; policy accept;\n")
            .Append($"        meta l4proto {protocol} meta mark 0x{mark:x} ct mark set meta mark\n")
            .Append("    }\n");
    }

    /// <summary>
    /// Source NAT for <c>Masquerade = IFACE</c>: what the tunnel forwards out of IFACE leaves with
    /// IFACE's address (a server giving its peers the Internet). With IFACE the tunnel itself,
    /// whatever is forwarded into the tunnel leaves with the tunnel's address (a client acting as
    /// the VPN gateway of its LAN).
    /// </summary>
    public static void AppendMasquerade(StringBuilder body, string tunnel, string outInterface)
    {
        var match = outInterface == tunnel ? $"oifname \"{tunnel}\"" : $"iifname \"{tunnel}\" oifname \"{outInterface}\"";
        body.Append("    chain postrouting {\n")
            .Append("        type nat hook postrouting priority srcnat; policy accept;\n")
            .Append($"        {match} masquerade\n")
            .Append("    }\n");
    }

    /// <summary>Interface names go into the ruleset inside double quotes: refuse anything that could end the string.</summary>
    public static void ValidateName(string name)
    {
        if (name.Any(c => c is '"' or '\\' || char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new ArgumentException($"interface name '{name}' cannot go into an nftables rule", nameof(name));
    }
}

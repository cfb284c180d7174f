namespace SharpTun.Vpn.Plan;

/// <summary>
/// The numbers of wg-quick's policy routing for a /0 in AllowedIPs (Table = auto), kept the same so
/// that <c>ip rule</c> looks as users know it: packets without the tunnel's mark look up the tunnel's
/// table, whose only route is the /0 into the interface; the tunnel's own marked packets fall through
/// to main; and the main table is consulted first for anything but its default route.
/// </summary>
public static class VpnPolicyRouting
{
    /// <summary>The mark (and table) wg-quick picks when FwMark is not set: 51820 = 0xca6c, the WireGuard port.</summary>
    public const uint DefaultFirewallMark = 51820;

    /// <summary><c>lookup main suppress_prefixlength 0</c>: main's specific routes win over the tunnel's /0 (wg-quick's rule lands here, just before main's 32766).</summary>
    public const uint SuppressMainDefaultPriority = 32764;

    /// <summary><c>not fwmark MARK lookup TABLE</c>: everything but the tunnel's own packets goes to the tunnel table.</summary>
    public const uint TunnelTablePriority = 32765;

    /// <summary>
    /// The sysctl that lets the reverse-path filter use the packet mark, so replies to the tunnel's
    /// marked packets (their mark restored from conntrack) pass a strict rp_filter.
    /// </summary>
    public const string SourceValidMarkSysctl = "net.ipv4.conf.all.src_valid_mark";
}

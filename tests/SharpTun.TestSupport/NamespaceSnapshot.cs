
namespace SharpTun.TestSupport;

/// <summary>
/// What <c>ip rule</c>, <c>ip route show table all</c>, <c>ip link</c> (both families),
/// <c>nft list ruleset</c> and the forwarding and mark sysctls say in a namespace.
/// </summary>
public sealed record NamespaceSnapshot(string Rules, string Rules6, string Routes, string Routes6, string Links, string Firewall, string Sysctls)
{
    /// <summary>The kernel parameters SharpTun may change (VPN forwarding and policy routing).</summary>
    public const string WatchedSysctls = "net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.src_valid_mark";

    public static NamespaceSnapshot Take(TestNamespace ns) => new(
        ns.Ip("rule"), ns.Ip("-6 rule"), ns.Ip("route show table all"), ns.Ip("-6 route show table all"), ns.Ip("link"),
        Checked(ns.Exec("nft list ruleset")), Checked(ns.Exec($"sysctl {WatchedSysctls}")));

    private static string Checked(RunResult result) =>
        result.ExitCode == 0 ? result.StandardOutput : throw new InvalidOperationException($"snapshot command failed: {result}");
}


namespace SharpTun.TestSupport;

/// <summary>What <c>ip rule</c>, <c>ip route show table all</c> and <c>ip link</c> print in a namespace (both families).</summary>
public sealed record NamespaceSnapshot(string Rules, string Rules6, string Routes, string Routes6, string Links)
{
    public static NamespaceSnapshot Take(TestNamespace ns) => new(
        ns.Ip("rule"), ns.Ip("-6 rule"), ns.Ip("route show table all"), ns.Ip("-6 route show table all"), ns.Ip("link"));
}

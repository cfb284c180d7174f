using System.Net;
using System.Text;

namespace SharpTun.Host.Resolver;

/// <summary>The resolv.conf(5) text SharpTun writes for a VPN's DNS servers and search domains.</summary>
public static class ResolvConfContent
{
    /// <summary>
    /// wg-quick's lines, as it hands them to resolvconf: one <c>nameserver</c> line per server, in
    /// order, then one <c>search</c> line with every domain (none without domains).
    /// </summary>
    public static string Lines(IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains)
    {
        var text = new StringBuilder();
        foreach (var server in servers)
            text.Append("nameserver ").Append(server).Append('\n');
        if (searchDomains.Count > 0)
            text.Append("search ").AppendJoin(' ', searchDomains).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// The whole file that replaces /etc/resolv.conf: a comment naming the interface and the
    /// process (so a reader knows who wrote it, and undo can tell it from any other), how to get
    /// the previous file back, then <see cref="Lines"/>.
    /// </summary>
    public static string File(string interfaceName, int pid, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains) =>
        $"# Written by SharpTun (pid {pid}) for the DNS of the VPN interface {interfaceName}.\n" +
        $"# 'sharptun vpn down {interfaceName}' puts the previous file back ('sharptun cleanup' if that process died).\n" +
        Lines(servers, searchDomains);
}

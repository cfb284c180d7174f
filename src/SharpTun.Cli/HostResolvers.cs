using System.Net;

namespace SharpTun.Cli;

/// <summary>
/// The resolv.conf that <c>sharptun exec</c> gives its namespace until SharpTun serves DNS itself:
/// the host's, minus loopback name servers (127.0.0.53 of systemd-resolved, a local dnsmasq), which
/// inside the namespace would be its own empty loopback. Queries to the rest go through the proxy
/// like any UDP flow.
/// </summary>
public static class HostResolvers
{
    public static string ResolvConf(string path = "/etc/resolv.conf")
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        var kept = lines.Where(line => !IsLoopbackNameServer(line)).ToList();
        if (!kept.Any(IsNameServer))
            kept.Insert(0, $"# sharptun: the host has no name server reachable from a namespace ({path} lists only loopback ones)");
        return string.Join('\n', kept) + '\n';
    }

    private static bool IsNameServer(string line) => line.TrimStart().StartsWith("nameserver", StringComparison.Ordinal);

    private static bool IsLoopbackNameServer(string line)
    {
        if (!IsNameServer(line))
            return false;
        var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && IPAddress.TryParse(parts[1], out var address) && IPAddress.IsLoopback(address);
    }
}

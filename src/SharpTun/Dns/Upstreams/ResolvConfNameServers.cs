using System.Net;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// The <c>nameserver</c> lines of a resolv.conf(5), which the <c>system</c> upstream asks. Like the C
/// library, only the first <see cref="MaximumServers"/> count; lines that do
/// not hold an address are skipped, as the C library skips them.
/// </summary>
public static class ResolvConfNameServers
{
    /// <summary>The C library's resolver uses this many <c>nameserver</c> lines and ignores the rest (MAXNS, resolv.conf(5)).</summary>
    public const int MaximumServers = 3;

    /// <summary>The default location.</summary>
    public const string DefaultPath = "/etc/resolv.conf";

    /// <summary>The name servers listed in <paramref name="text"/>, in order, at most three.</summary>
    public static IReadOnlyList<IPAddress> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPAddress>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.AsSpan().Trim();
            if (!line.StartsWith("nameserver", StringComparison.Ordinal) || line.Length == "nameserver".Length || !char.IsWhiteSpace(line["nameserver".Length]))
                continue;
            var value = line["nameserver".Length..].Trim();
            var end = value.IndexOfAny(" \t#;");
            if (end >= 0)
                value = value[..end];
            if (IPAddress.TryParse(value, out var address))
                servers.Add(address);
            if (servers.Count == MaximumServers)
                break;
        }
        return servers;
    }

    /// <summary>
    /// Reads <paramref name="path"/>; throws <see cref="InvalidOperationException"/> naming the file
    /// when it cannot be read or lists no name server, as the <c>system</c> upstream is then useless.
    /// </summary>
    public static IReadOnlyList<IPAddress> Read(string path = DefaultPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"dns upstream 'system' cannot read {path}: {e.Message}", e);
        }
        var servers = Parse(text);
        if (servers.Count == 0)
            throw new InvalidOperationException($"dns upstream 'system': {path} lists no nameserver (add one, or give the upstream as an address such as 1.1.1.1)");
        return servers;
    }
}

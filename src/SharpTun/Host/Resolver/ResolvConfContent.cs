using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;

namespace SharpTun.Host.Resolver;

/// <summary>The resolv.conf(5) text SharpTun writes for a VPN's DNS servers and search domains.</summary>
public static class ResolvConfContent
{
    private const string WriterPrefix = "# Written by SharpTun (pid ", WriterMiddle = ") for the DNS of the VPN interface ";

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
        $"{WriterPrefix}{pid}{WriterMiddle}{interfaceName}.\n" +
        $"# 'sharptun vpn down {interfaceName}' puts the previous file back ('sharptun cleanup' if that process died).\n" +
        Lines(servers, searchDomains);

    /// <summary>
    /// Reads back who wrote <paramref name="content"/> when it is a file <see cref="File"/> made:
    /// the process and the interface; false for any other file.
    /// </summary>
    public static bool TryReadWriter(ReadOnlySpan<byte> content, out int pid, [NotNullWhen(true)] out string? interfaceName)
    {
        pid = 0;
        interfaceName = null;
        var text = Encoding.UTF8.GetString(content[..Math.Min(content.Length, 256)]);
        if (!text.StartsWith(WriterPrefix, StringComparison.Ordinal))
            return false;
        var middle = text.IndexOf(WriterMiddle, StringComparison.Ordinal);
        if (middle < 0 || !int.TryParse(text.AsSpan(WriterPrefix.Length, middle - WriterPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out pid))
            return false;
        var name = middle + WriterMiddle.Length;
        var end = text.IndexOf(".\n", name, StringComparison.Ordinal);
        if (end < 0)
            return false;
        interfaceName = text[name..end];
        return true;
    }
}

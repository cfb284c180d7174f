using System.Net;
using System.Net.Sockets;
using SharpTun.Cli.Settings;
using SharpTun.Dns.Upstreams;
using SharpTun.Proxy;

namespace SharpTun.Cli.Config;

/// <summary>
/// <c>dns:</c>, the DNS server on the TUN (<c>--dns</c>, <c>--dns-hijack</c>, <c>--dns-upstream</c>,
/// <c>--fake-ip-store</c>, and the fake-IP and upstream details the command line leaves at their
/// defaults). Upstream URLs are parsed here (DnsUpstreamUri) so a bad one is refused with its line; here also that each is
/// a non-empty text.
/// </summary>
internal static class DnsSection
{
    private static readonly (string, DnsMode)[] Modes = [("fake-ip", DnsMode.FakeIp), ("real", DnsMode.Real), ("off", DnsMode.Off)];

    /// <summary>
    /// The DNS settings. <paramref name="tunSubnets"/> are the TUN's subnets, which the fake-IP
    /// ranges must stay out of (<paramref name="tunLine"/> is where the file sets them);
    /// <paramref name="outboundNames"/> are what <c>upstream-outbound</c> may name.
    /// </summary>
    public static DnsSettings Read(ConfigurationReader reader, ConfigurationSection dns, string baseDirectory,
        IReadOnlyList<IPNetwork> tunSubnets, int tunLine, ISet<string> outboundNames)
    {
        var defaults = new DnsSettings();
        var settings = new DnsSettings
        {
            Mode = reader.Choice(dns, "mode", Modes) ?? defaults.Mode,
            Hijack = reader.Boolean(dns, "hijack") ?? defaults.Hijack,
            FakeIpv4Range = Range(reader, dns, "fake-ip-range", AddressFamily.InterNetwork) ?? defaults.FakeIpv4Range,
            FakeIpv6Range = Range(reader, dns, "fake-ip-range6", AddressFamily.InterNetworkV6) ?? defaults.FakeIpv6Range,
            FakeIpTtlSeconds = reader.Integer(dns, "fake-ip-ttl", 1, 3600) ?? defaults.FakeIpTtlSeconds,
            FakeIpExclude = Exclude(reader, dns) ?? defaults.FakeIpExclude,
            FakeIpStore = ConfigurationPaths.Read(reader, dns, "fake-ip-store", baseDirectory) ?? defaults.FakeIpStore,
            Upstreams = Upstreams(reader, dns) ?? defaults.Upstreams,
            UpstreamTimeout = reader.Duration(dns, "upstream-timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)) ?? defaults.UpstreamTimeout,
            UpstreamOutbound = UpstreamOutbound(reader, dns, outboundNames),
        };
        CheckApart(reader, dns, "fake-ip-range", settings.FakeIpv4Range, tunSubnets, tunLine);
        CheckApart(reader, dns, "fake-ip-range6", settings.FakeIpv6Range, tunSubnets, tunLine);
        return settings;
    }

    private static IPNetwork? Range(ConfigurationReader reader, ConfigurationSection dns, string key, AddressFamily family)
    {
        var text = reader.String(dns, key, "a prefix");
        if (text is null)
            return null;
        var version = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
        var example = family == AddressFamily.InterNetwork ? "198.18.0.0/16" : "fc00::/18";
        if (!ConfigurationPrefix.TryParse(text, out var range))
            reader.Error(dns[key]!, $"{dns.PathOf(key)} '{text}' is not a prefix such as {example} (host bits must be zero)");
        else if (range.BaseAddress.AddressFamily != family)
            reader.Error(dns[key]!, $"{dns.PathOf(key)} '{text}' is not an {version} prefix (e.g. {example})");
        else
            return range;
        return null;
    }

    /// <summary>The fake-IP NAT reads a flow's domain back from its address, so a fake address must never be a TUN address.</summary>
    private static void CheckApart(ConfigurationReader reader, ConfigurationSection dns, string key, IPNetwork range,
        IReadOnlyList<IPNetwork> tunSubnets, int tunLine)
    {
        foreach (var subnet in tunSubnets)
        {
            if (!range.Contains(subnet.BaseAddress) && !subnet.Contains(range.BaseAddress))
                continue;
            var line = dns[key] is { } node ? ConfigurationReader.LineOf(node) : tunLine;
            var source = dns[key] is null ? $"the default {dns.PathOf(key)} {range}" : $"{dns.PathOf(key)} {range}";
            reader.Error(line, $"{source} overlaps the TUN subnet {subnet}: fake addresses must lie outside the subnet the NAT "
                + $"draws its endpoints from (move tun.address or {dns.PathOf(key)})");
        }
    }

    /// <summary>Patterns as <see cref="DnsSettings.FakeIpExclude"/> takes them: <c>example.org</c>, <c>*.lan</c>, <c>+.example.org</c>.</summary>
    private static IReadOnlyList<string>? Exclude(ConfigurationReader reader, ConfigurationSection dns)
    {
        var items = reader.Scalars(dns, "fake-ip-exclude", "name patterns", "a name pattern");
        if (items is null)
            return null;
        var patterns = new List<string>(items.Count);
        foreach (var item in items)
        {
            var pattern = item.Value!;
            var name = pattern.StartsWith("*.", StringComparison.Ordinal) || pattern.StartsWith("+.", StringComparison.Ordinal) ? pattern[2..] : pattern;
            if (!ProxyDestination.TryCreate(name, 0, out _, out var problem))
                reader.Error(item, $"dns.fake-ip-exclude '{pattern}' is not a name pattern (example.org, *.lan or +.example.org): {problem}");
            else
                patterns.Add(pattern);
        }
        return patterns;
    }

    private static IReadOnlyList<string>? Upstreams(ConfigurationReader reader, ConfigurationSection dns)
    {
        var items = reader.Scalars(dns, "upstreams", "resolvers", "a resolver");
        if (items is null)
            return null;
        var upstreams = new List<string>(items.Count);
        foreach (var item in items)
        {
            if (item.Value!.Trim().Length == 0)
                reader.Error(item, "dns.upstreams has an empty resolver (system, udp://IP[:PORT], tcp://IP[:PORT], tls://IP[:PORT][#NAME] or https://HOST/PATH)");
            else if (!DnsUpstreamUri.TryParse(item.Value, out _, out var error))
                reader.Error(item, "dns.upstreams: " + error);
            else
                upstreams.Add(item.Value.Trim());
        }
        if (items.Count == 0)
            reader.Error(dns["upstreams"]!, "dns.upstreams is empty: real answers need at least one resolver (system is the host's own)");
        return upstreams.Count == 0 ? null : upstreams;
    }

    /// <summary>An outbound's name; DIRECT means none (null), REJECT is refused.</summary>
    private static string? UpstreamOutbound(ConfigurationReader reader, ConfigurationSection dns, ISet<string> outboundNames)
    {
        var name = reader.String(dns, "upstream-outbound", "an outbound's name");
        if (name is null || name == NamedOutbound.Direct)
            return null;
        if (outboundNames.Contains(name))
            return name;
        var node = dns["upstream-outbound"]!;
        if (name == NamedOutbound.Reject)
        {
            reader.Error(node, $"dns.upstream-outbound cannot be {NamedOutbound.Reject}: the upstreams would never answer (name an outbound or {NamedOutbound.Direct})");
            return null;
        }
        var names = outboundNames.Order(StringComparer.Ordinal).Append(NamedOutbound.Direct).ToList();
        var hint = KeySuggestion.Nearest(name, names) is { } near ? $"did you mean {near}? " : "";
        reader.Error(node, $"dns.upstream-outbound '{name}' is not an outbound ({hint}outbounds: {string.Join(", ", names)})");
        return null;
    }
}

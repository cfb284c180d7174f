using System.Net.Sockets;
using SharpTun.Cli.Commands;
using SharpTun.Cli.Settings;
using SharpTun.Proxy.Rules;

namespace SharpTun.Cli.Config;

/// <summary>What <c>sharptun check</c> prints for a good file: the few facts that say it means what the user meant.</summary>
public static class ConfigurationSummary
{
    public static string Format(string source, ProxySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var lines = new List<string>
        {
            $"{source}: ok",
            $"  device: {settings.DeviceName} (mtu {settings.Mtu}, {settings.Queues} queue{(settings.Queues == 1 ? "" : "s")})",
            $"  addresses: {Addresses(settings)}",
        };
        if (settings.Routes.Count > 0)
            lines.Add($"  routes: {string.Join(", ", settings.Routes)}");
        lines.Add($"  outbounds: {Outbounds(settings)}");
        lines.Add($"  rules: {Rules(settings)}");
        lines.Add($"  dns: {Dns(settings.Dns)}");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The addresses the device will get, the defaults marked as such.</summary>
    private static string Addresses(ProxySettings settings)
    {
        var addresses = settings.Addresses;
        var parts = addresses.Select(a => a.ToString()).ToList();
        if (!addresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetwork))
            parts.Insert(0, $"{ProxyRuntime.DefaultIpv4} (default)");
        if (addresses.Count == 0)
            parts.Add($"{ProxyRuntime.DefaultIpv6} (default)");
        return string.Join(", ", parts);
    }

    private static string Outbounds(ProxySettings settings) => settings.Outbounds.Count == 0
        ? $"none (every flow goes {NamedOutbound.Direct})"
        : string.Join(", ", settings.Outbounds.Select(o => $"{o.Name} {o.Configuration}"));

    private static string Rules(ProxySettings settings)
    {
        if (settings.Rules.Count == 0)
            return settings.Outbounds.Count == 0 ? "none" : $"none (every flow goes to {settings.Outbounds[0].Name})";
        var sets = settings.Rules.Count(r => r.Type == RuleType.RuleSet);
        var last = settings.Rules[^1];
        return $"{settings.Rules.Count}{(sets == 0 ? "" : $" ({sets} RULE-SET)")}"
            + (last.Type == RuleType.Match ? $", ending with {last.Text}" : $"; flows no rule matches go {NamedOutbound.Direct}");
    }

    private static string Dns(DnsSettings dns) => dns.Mode switch
    {
        DnsMode.FakeIp => $"fake-ip {dns.FakeIpv4Range} {dns.FakeIpv6Range}, upstreams {string.Join(", ", dns.Upstreams)}{Via(dns)}",
        DnsMode.Real => $"real, upstreams {string.Join(", ", dns.Upstreams)}{Via(dns)}",
        _ => "off (queries are proxied as UDP)",
    };

    private static string Via(DnsSettings dns) => dns.UpstreamOutbound is { } name ? $" via {name}" : "";
}

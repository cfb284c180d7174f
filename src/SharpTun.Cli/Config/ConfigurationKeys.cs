namespace SharpTun.Cli.Config;

/// <summary>
/// The keys of the configuration file, section by section, and which <c>sharptun proxy</c> flag each
/// one stands for. The loader refuses any key not listed here, and a test checks that every flag of
/// <c>proxy</c> has an entry in <see cref="ByCommandLineFlag"/>, so the file and the command line
/// cannot drift apart. docs/configuration.md documents every key.
/// </summary>
public static class ConfigurationKeys
{
    /// <summary>Keys at the top of the file.</summary>
    public static readonly IReadOnlyList<string> TopLevel = ["log-level", "tun", "routing", "dns", "sniff", "outbounds", "rule-providers", "rules"];

    /// <summary>Keys of <c>tun:</c>, the device and the NAT behind it.</summary>
    public static readonly IReadOnlyList<string> Tun =
        ["device", "address", "mtu", "queues", "offload", "busy-poll", "nat-ports", "udp-timeout", "icmp", "pcap", "routes"];

    /// <summary>Keys of <c>routing:</c>, how outbound sockets stay out of the TUN.</summary>
    public static readonly IReadOnlyList<string> Routing = ["fwmark", "interface"];

    /// <summary>Keys of <c>dns:</c>.</summary>
    public static readonly IReadOnlyList<string> Dns =
    [
        "mode", "hijack", "fake-ip-range", "fake-ip-range6", "fake-ip-ttl", "fake-ip-exclude", "fake-ip-store",
        "upstreams", "upstream-timeout", "upstream-outbound",
    ];

    /// <summary>Keys of <c>sniff:</c>.</summary>
    public static readonly IReadOnlyList<string> Sniff = ["enabled", "timeout"];

    /// <summary>Keys of each item of <c>outbounds:</c>.</summary>
    public static readonly IReadOnlyList<string> Outbound = ["name", "url"];

    /// <summary>Keys of each entry of <c>rule-providers:</c> (whose own keys are the providers' names).</summary>
    public static readonly IReadOnlyList<string> RuleProvider = ["behavior", "path"];

    /// <summary>
    /// Every <c>sharptun proxy</c> flag and the key that does its job in the file. <c>--proxy</c> has
    /// no single key: its outbound is the file's first outbound, which takes every flow when there
    /// are no rules.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ByCommandLineFlag = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--proxy"] = "outbounds",
        ["--device"] = "tun.device",
        ["--address"] = "tun.address",
        ["--route"] = "tun.routes",
        ["--mtu"] = "tun.mtu",
        ["--queues"] = "tun.queues",
        ["--offload"] = "tun.offload",
        ["--busy-poll"] = "tun.busy-poll",
        ["--nat-ports"] = "tun.nat-ports",
        ["--udp-timeout"] = "tun.udp-timeout",
        ["--icmp"] = "tun.icmp",
        ["--pcap"] = "tun.pcap",
        ["--fwmark"] = "routing.fwmark",
        ["--interface"] = "routing.interface",
        ["--dns"] = "dns.mode",
        ["--dns-hijack"] = "dns.hijack",
        ["--dns-upstream"] = "dns.upstreams",
        ["--fake-ip-store"] = "dns.fake-ip-store",
        ["--sniff"] = "sniff.enabled",
        ["--log-level"] = "log-level",
    };

    /// <summary>
    /// Every key as a dotted path (<c>tun.mtu</c>, <c>outbounds[].url</c>,
    /// <c>rule-providers.NAME.path</c>), sections included.
    /// </summary>
    public static IEnumerable<string> AllPaths()
    {
        foreach (var key in TopLevel)
            yield return key;
        foreach (var key in Tun)
            yield return "tun." + key;
        foreach (var key in Routing)
            yield return "routing." + key;
        foreach (var key in Dns)
            yield return "dns." + key;
        foreach (var key in Sniff)
            yield return "sniff." + key;
        foreach (var key in Outbound)
            yield return "outbounds[]." + key;
        foreach (var key in RuleProvider)
            yield return "rule-providers.NAME." + key;
    }

    /// <summary>The sections that can hold <paramref name="key"/> (for "it belongs under tun:" hints).</summary>
    internal static IEnumerable<string> SectionsHolding(string key)
    {
        if (Tun.Contains(key))
            yield return "tun";
        if (Routing.Contains(key))
            yield return "routing";
        if (Dns.Contains(key))
            yield return "dns";
        if (Sniff.Contains(key))
            yield return "sniff";
    }
}

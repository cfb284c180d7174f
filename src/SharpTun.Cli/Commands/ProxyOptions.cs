using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using SharpTun.Cli.Settings;
using SharpTun.Dns.Upstreams;
using SharpTun.Proxy;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>Options shared by <c>sharptun proxy</c> and <c>sharptun exec</c>.</summary>
public sealed class ProxyOptions
{
    /// <summary>
    /// The MTU the proxy's TUN gets unless told otherwise: the largest a TUN takes. The TUN link is
    /// local (flows leave the host on our own sockets), so large packets cost nothing on the wire and
    /// mean fewer reads, rewrites and writes per byte; see docs/benchmarks.md for 1500/9000/65535.
    /// </summary>
    public const int DefaultMtu = ProxySettings.DefaultMtu;

    public Option<OutboundConfiguration> Proxy { get; } = new("--proxy")
    {
        Description = "Where flows go: direct://, socks5://[user:pass@]host:port, http://[user:pass@]host:port or reject://.",
        DefaultValueFactory = _ => ProxyUri.Parse("direct://"),
        CustomParser = result =>
        {
            if (ProxyUri.TryParse(result.Tokens[^1].Value, out var configuration, out var error))
                return configuration;
            result.AddError(error);
            return null;
        },
    };

    public Option<int> Mtu { get; } = new("--mtu")
    {
        Description = $"MTU of the TUN device (default {DefaultMtu}).",
        DefaultValueFactory = _ => DefaultMtu,
        Validators = { result => RequireRange(result, 1280, 65535) },
    };

    public Option<int> Queues { get; } = new("--queues")
    {
        Description = "TUN queues, each with its own event loop thread (multi-queue TUN when more than 1; default: one per CPU).",
        // One per CPU: a loop carries its flows on one core, so with one queue new connections/s
        // stop at what one core does (docs/benchmarks.md, "Connections"); a bulk flow costs the same.
        DefaultValueFactory = _ => ProxySettings.DefaultQueues,
        Validators = { result => RequireRange(result, 1, DeviceOptions.MaximumQueues) },
    };

    public Option<int> BusyPoll { get; } = new("--busy-poll")
    {
        Description = "Microseconds each event loop keeps polling after it handled something before it sleeps (default 0).",
        DefaultValueFactory = _ => 0,
        Validators = { result => RequireRange(result, 0, 10_000) },
    };

    public Option<bool> Offload { get; } = new("--offload")
    {
        Description = "Checksum and TSO offload on the TUN (IFF_VNET_HDR): the kernel skips checksums and hands over 64 KiB "
            + "TCP super-packets, which the NAT passes through as they are (default true; --offload false turns it off).",
        DefaultValueFactory = _ => true,
    };

    public Option<uint?> FirewallMark { get; } = new("--fwmark")
    {
        Description = "Mark (SO_MARK) every outbound socket carries, for policy routing that keeps them out of the TUN.",
    };

    public Option<string?> Interface { get; } = new("--interface")
    {
        Description = "Bind every outbound socket to this interface (SO_BINDTODEVICE).",
    };

    public Option<int> UdpTimeout { get; } = new("--udp-timeout")
    {
        Description = "Seconds a UDP mapping lives without traffic (default 60).",
        DefaultValueFactory = _ => 60,
        Validators = { result => RequireRange(result, 1, 86400) },
    };

    public Option<IcmpMode> Icmp { get; } = new("--icmp")
    {
        Description = "ICMP echo: reply (answer locally, default), forward (send it on the direct path, whatever --proxy says, "
            + "and pass the real reply back; uses ping sockets, or a raw socket when net.ipv4.ping_group_range refuses them) or drop.",
        DefaultValueFactory = _ => IcmpMode.Reply,
    };

    public Option<NatPoolOptions> NatPorts { get; } = new("--nat-ports")
    {
        Description = "Ports FIRST-LAST of each TUN address the TCP NAT gives to flows (default 1024-65535). The pool is the "
            + "subnet's addresses (but the device's own) x these ports; a TCP flow beyond it is refused with RST.",
        DefaultValueFactory = _ => new NatPoolOptions(),
        CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            var dash = text.IndexOf('-');
            if (dash > 0 && ushort.TryParse(text.AsSpan(0, dash), out var first) && ushort.TryParse(text.AsSpan(dash + 1), out var last)
                && first >= 1 && first <= last)
                return new NatPoolOptions { FirstPort = first, LastPort = last };
            result.AddError($"--nat-ports '{text}' is not a port range FIRST-LAST with 1 <= FIRST <= LAST <= 65535 (e.g. 20000-29999)");
            return null;
        },
    };

    public Option<DnsMode> Dns { get; } = new("--dns")
    {
        Description = "DNS on the TUN: fake-ip (A/AAAA get an address from 198.18.0.0/16 or fc00::/18 that maps back to the name, "
            + "so outbounds and rules see the domain; default), real (answers from the upstreams, cached) or off (queries are proxied as UDP).",
        DefaultValueFactory = _ => DnsMode.FakeIp,
        CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            switch (text.ToLowerInvariant())
            {
                case "fake-ip": return DnsMode.FakeIp;
                case "real": return DnsMode.Real;
                case "off": return DnsMode.Off;
                default:
                    result.AddError($"--dns '{text}' is not one of fake-ip, real, off");
                    return DnsMode.Off;
            }
        },
    };

    public Option<string[]> DnsUpstreams { get; } = new("--dns-upstream")
    {
        Description = "Resolver for real answers, tried in order; repeatable: system (the host's resolv.conf, default), "
            + "udp://IP[:PORT], tcp://IP[:PORT], tls://IP[:PORT][#NAME] or https://HOST/PATH.",
        Arity = ArgumentArity.ZeroOrMore,
        Validators =
        {
            result =>
            {
                foreach (var token in result.Tokens)
                {
                    if (!DnsUpstreamUri.TryParse(token.Value, out _, out var error))
                        result.AddError("--dns-upstream: " + error);
                }
            },
        },
    };

    public Option<bool> DnsHijack { get; } = new("--dns-hijack")
    {
        Description = "Answer every DNS query (port 53) that enters the device, whatever resolver address it was sent to (default true).",
        DefaultValueFactory = _ => true,
    };

    public Option<FileInfo?> FakeIpStore { get; } = new("--fake-ip-store")
    {
        Description = "Save the fake-IP table here on exit and load it at start, so apps holding fake addresses keep working across a restart.",
    };

    public Option<bool> Sniff { get; } = new("--sniff")
    {
        Description = "Read a flow's first bytes (TLS SNI, HTTP Host) to learn its domain when it goes to a real address (default true).",
        DefaultValueFactory = _ => true,
    };

    public Option<FileInfo?> Pcap { get; } = new("--pcap") { Description = "Write every packet the TUN carries to this pcap file." };

    public Option<LogLevel?> LogLevel { get; } = new("--log-level")
    {
        Description = "Trace, Debug, Information (one line per flow), Warning, Error or None.",
    };

    /// <summary>The settings the command line asks for; the outbound of --proxy is named "proxy" and takes every flow.</summary>
    public ProxySettings ToSettings(ParseResult parsed)
    {
        var upstreams = parsed.GetValue(DnsUpstreams) ?? [];
        return new ProxySettings
        {
            Mtu = parsed.GetValue(Mtu),
            Queues = parsed.GetValue(Queues),
            BusyPollMicroseconds = parsed.GetValue(BusyPoll),
            Offload = parsed.GetValue(Offload),
            FirewallMark = parsed.GetValue(FirewallMark),
            Interface = parsed.GetValue(Interface),
            UdpTimeoutSeconds = parsed.GetValue(UdpTimeout),
            Icmp = parsed.GetValue(Icmp),
            NatPorts = parsed.GetRequiredValue(NatPorts),
            PcapPath = parsed.GetValue(Pcap)?.FullName,
            LogLevel = parsed.GetValue(LogLevel),
            Outbounds = [new NamedOutbound("proxy", parsed.GetRequiredValue(Proxy), Implicit: true)],
            Dns = new DnsSettings
            {
                Mode = parsed.GetValue(Dns),
                Hijack = parsed.GetValue(DnsHijack),
                FakeIpStore = parsed.GetValue(FakeIpStore)?.FullName,
                Upstreams = upstreams.Length > 0 ? upstreams : new DnsSettings().Upstreams,
            },
            Sniff = new SniffSettings { Enabled = parsed.GetValue(Sniff) },
        };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Proxy, Mtu, Queues, BusyPoll, Offload, FirewallMark, Interface, UdpTimeout, Icmp, NatPorts, Dns, DnsUpstreams, DnsHijack, FakeIpStore, Sniff, Pcap, LogLevel })
            command.Options.Add(option);
    }

    private static void RequireRange(OptionResult result, int minimum, int maximum)
    {
        if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[^1].Value, out var value) && (value < minimum || value > maximum))
            result.AddError($"{result.Option.Name} {value} is out of range ({minimum}-{maximum})");
    }
}

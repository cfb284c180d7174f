using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
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
    public const int DefaultMtu = 65535;

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
        DefaultValueFactory = _ => Math.Clamp(Environment.ProcessorCount, 1, DeviceOptions.MaximumQueues),
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

    public Option<FileInfo?> Pcap { get; } = new("--pcap") { Description = "Write every packet the TUN carries to this pcap file." };

    public Option<LogLevel?> LogLevel { get; } = new("--log-level")
    {
        Description = "Trace, Debug, Information (one line per flow), Warning, Error or None.",
    };

    /// <summary>The TUN device options these settings ask for.</summary>
    public TunOptions TunOptions(ParseResult parsed, string name) => new()
    {
        Name = name,
        Queues = parsed.GetValue(Queues),
        Offload = parsed.GetValue(Offload),
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Proxy, Mtu, Queues, BusyPoll, Offload, FirewallMark, Interface, UdpTimeout, Icmp, NatPorts, Pcap, LogLevel })
            command.Options.Add(option);
    }

    private static void RequireRange(OptionResult result, int minimum, int maximum)
    {
        if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[^1].Value, out var value) && (value < minimum || value > maximum))
            result.AddError($"{result.Option.Name} {value} is out of range ({minimum}-{maximum})");
    }
}

using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Host;
using SharpTun.Proxy;
using SharpTun.Proxy.Rules;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;

namespace SharpTun.Cli.Settings;

/// <summary>
/// Everything a running proxy (<c>sharptun proxy</c>, <c>exec</c> and <c>run --config</c>) is built
/// from. The command-line options and the YAML configuration file both produce one, so every flag
/// has a configuration equivalent and the two cannot drift apart.
/// </summary>
public sealed record ProxySettings
{
    /// <summary>The MTU unless told otherwise: the largest a TUN takes (see docs/benchmarks.md for 1500/9000/65535).</summary>
    public const int DefaultMtu = 65535;

    /// <summary>The TUN device's name (<c>proxy</c> and <c>run</c>; <c>exec</c> always uses tun0 in its namespace).</summary>
    public string DeviceName { get; init; } = "sharptun0";

    /// <summary>The device's IPv4 and/or IPv6 address with prefix; empty means the defaults of <see cref="ProxyAddresses"/>.</summary>
    public IReadOnlyList<InterfaceAddress> Addresses { get; init; } = [];

    /// <summary>Prefixes routed into the device, removed on exit.</summary>
    public IReadOnlyList<IPNetwork> Routes { get; init; } = [];

    public int Mtu { get; init; } = DefaultMtu;

    /// <summary>TUN queues, one event loop each; one per CPU by default.</summary>
    public int Queues { get; init; } = DefaultQueues;

    public int BusyPollMicroseconds { get; init; }

    public bool Offload { get; init; } = true;

    /// <summary>SO_MARK on every outbound socket, or null.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>SO_BINDTODEVICE on every outbound socket, or null.</summary>
    public string? Interface { get; init; }

    public int UdpTimeoutSeconds { get; init; } = 60;

    public IcmpMode Icmp { get; init; } = IcmpMode.Reply;

    public NatPoolOptions NatPorts { get; init; } = new();

    /// <summary>Where to record every packet the TUN carries, or null.</summary>
    public string? PcapPath { get; init; }

    /// <summary>The log level; null means the command's default (Information for proxy and run, Warning for exec).</summary>
    public LogLevel? LogLevel { get; init; }

    /// <summary>
    /// The named outbounds rules may send flows to. <c>DIRECT</c> and <c>REJECT</c> exist without
    /// being listed (as in mihomo). With no rules every flow goes to the first outbound listed, or
    /// to DIRECT when none is.
    /// </summary>
    public IReadOnlyList<NamedOutbound> Outbounds { get; init; } = [];

    /// <summary>Parsed rules, first match wins; a flow no rule matches goes to DIRECT.</summary>
    public IReadOnlyList<Rule> Rules { get; init; } = [];

    public DnsSettings Dns { get; init; } = new();

    public SniffSettings Sniff { get; init; } = new();

    /// <summary>One per CPU, at most what a TUN takes.</summary>
    public static int DefaultQueues => Math.Clamp(Environment.ProcessorCount, 1, Commands.DeviceOptions.MaximumQueues);
}

/// <summary>An outbound with the name rules use for it; log lines show the name unless it is <paramref name="Implicit"/> (the one of --proxy).</summary>
public sealed record NamedOutbound(string Name, OutboundConfiguration Configuration, bool Implicit = false)
{
    /// <summary>The outbound every flow uses when nothing else is said.</summary>
    public const string Direct = "DIRECT";

    /// <summary>Refuses flows (TCP gets an RST).</summary>
    public const string Reject = "REJECT";
}

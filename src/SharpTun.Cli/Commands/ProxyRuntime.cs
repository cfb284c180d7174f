using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Cli.Settings;
using SharpTun.Dns;
using SharpTun.Dns.Upstreams;
using System.Net.Sockets;
using SharpTun.Host;
using SharpTun.Host.Processes;
using SharpTun.Modify;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Rules;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>The parts of a running proxy that the proxy, exec and run commands build the same way.</summary>
public static class ProxyRuntime
{
    /// <summary>The TUN's addresses unless told otherwise: a /16 so the NAT has 65,533 addresses x 64,512 ports.</summary>
    public static readonly InterfaceAddress DefaultIpv4 = InterfaceAddress.Parse("198.19.0.1/16");

    /// <summary>A ULA /112 for IPv6 (the NAT pool caps an IPv6 subnet at 65,536 addresses anyway).</summary>
    public static readonly InterfaceAddress DefaultIpv6 = InterfaceAddress.Parse("fdfe:dcba:9876::1/112");

    /// <summary>
    /// The resolver address apps are given on a TUN with <paramref name="address"/>: the next address
    /// of the subnet (198.19.0.2 for the default), the previous one when the device has the last.
    /// Queries to it enter the device, where the DNS server answers them.
    /// </summary>
    public static IPAddress DnsAddressFor(InterfaceAddress address)
    {
        var device = NatEndpoint.FromIPAddress(address.Address, 0);
        var hostBits = (device.IsIPv6 ? 128 : 32) - address.PrefixLength;
        var hostMask = hostBits >= 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        var next = device.Address + 1;
        var lastUsable = (device.Address | hostMask) - (device.IsIPv6 ? UInt128.Zero : UInt128.One);
        var chosen = (next & hostMask) != 0 && next <= lastUsable ? next : device.Address - 1;
        return new NatEndpoint(chosen, 0, device.IsIPv6).ToIPAddress();
    }

    /// <summary>Builds the outbounds, rules and DNS server from the settings and starts the proxy on the device.</summary>
    /// <param name="owners">Finds the process behind a flow for PROCESS-NAME rules (made in the TUN's namespace), or null.</param>
    public static RunningProxy Start(ProxySettings settings, LinuxTunDevice device, NatListeners listeners,
        InterfaceAddress ipv4, InterfaceAddress? ipv6, PcapWriter? pcap, ILoggerFactory logging, SocketOwnerLookup? owners = null)
    {
        var socketOptions = new OutboundSocketOptions
        {
            FirewallMark = settings.FirewallMark,
            InterfaceName = settings.Interface,
        };
        var outboundLogger = logging.CreateLogger("outbound");
        var dnsLogger = logging.CreateLogger("dns");
        var dnsAddresses = new List<IPAddress> { DnsAddressFor(ipv4) };
        if (ipv6 is { } v6)
            dnsAddresses.Add(DnsAddressFor(v6));
        // Outbounds connecting by name ask the real-answer resolver, never the system's: in
        // `sharptun proxy` the host's resolv.conf may lead back into SharpTun's own fake-IP DNS.
        var resolver = settings.Dns.Mode == DnsMode.Off ? null : CreateResolver(settings, socketOptions, dnsAddresses, outboundLogger, dnsLogger);
        var outboundOptions = new OutboundOptions
        {
            SocketOptions = socketOptions,
            DomainResolver = resolver is null ? SystemDomainResolver.Instance : resolver,
        };
        var named = settings.Outbounds.Select(o => new RoutedOutbound(o.Name, o.Configuration.CreateOutbound(outboundOptions, outboundLogger), ShowName: !o.Implicit)).ToList();
        var builtIn = new[]
        {
            new RoutedOutbound(NamedOutbound.Direct, new DirectOutbound(outboundOptions, outboundLogger)),
            new RoutedOutbound(NamedOutbound.Reject, new RejectOutbound()),
        };
        // With rules, what no rule matches goes DIRECT (as in mihomo); without, everything goes to the first outbound.
        var outbounds = settings.Rules.Count > 0 || named.Count == 0 ? [.. builtIn, .. named] : named.Concat(builtIn).ToList();

        FakeIpPool? pool = null;
        TunDns? dns = null;
        DnsTcpListener? dnsListener = null;
        if (resolver is not null)
        {
            if (settings.Dns.Mode == DnsMode.FakeIp)
            {
                pool = new FakeIpPool(settings.Dns.FakeIpv4Range, settings.Dns.FakeIpv6Range);
                if (settings.Dns.FakeIpStore is { } store && File.Exists(store))
                {
                    var (restored, skipped) = pool.Load(store);
                    dnsLogger.LogInformation("dns: {Restored} fake addresses restored from {Store}{Skipped}", restored, store, skipped > 0 ? $" ({skipped} unusable lines skipped)" : "");
                }
            }
            var server = new DnsServer(pool, resolver, new DnsServerOptions
            {
                FakeTimeToLive = (uint)settings.Dns.FakeIpTtlSeconds,
                FakeIpv6 = ipv6 is not null,
                Exclude = new DomainPatternSet(settings.Dns.FakeIpExclude),
            }, dnsLogger);
            dnsListener = new DnsTcpListener(server, dnsLogger);
            dns = new TunDns(server, dnsListener.EndPoint, dnsAddresses, settings.Dns.Hijack);
        }

        var rules = settings.Rules.Count > 0 ? new RuleEngine(settings.Rules) : null;
        var router = new FlowRouter(outbounds, rules, outboundOptions.DomainResolver.ResolveAsync, pool);
        var proxyOptions = new TunProxyOptions
        {
            Ipv4 = ipv4,
            Ipv6 = ipv6,
            Mtu = settings.Mtu,
            TunOffload = settings.Offload,
            BusyPoll = TimeSpan.FromMicroseconds(settings.BusyPollMicroseconds),
            Icmp = settings.Icmp,
            IcmpSocketOptions = socketOptions,
            NatPool = settings.NatPorts,
            UdpIdleTimeout = TimeSpan.FromSeconds(settings.UdpTimeoutSeconds),
            SniffTimeout = settings.Sniff.Enabled ? settings.Sniff.Timeout : TimeSpan.Zero,
            ProcessNames = owners is null ? null : (network, source, destination, ct) => ProcessName(owners, network, source, destination, ct),
        };
        var proxy = new TunProxy(proxyOptions, device.Queues, listeners, router, dns, pcap, logging.CreateLogger("proxy"));
        proxy.Start();
        return new RunningProxy(proxy, dnsListener, resolver, pool, settings.Dns.FakeIpStore, dns is null ? [] : dnsAddresses, dnsLogger);
    }

    /// <summary>
    /// The cached resolver over the upstreams of the settings, in order. TCP, DoT and DoH upstreams
    /// connect through <see cref="DnsSettings.UpstreamOutbound"/> when one is named (resolving over
    /// the proxy); that outbound is a copy of the named one that finds its own server's name with the
    /// system resolver, since the resolver cannot ask itself how to reach its upstreams.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>system</c> would ask SharpTun itself: resolv.conf names one of <paramref name="ownAddresses"/>.</exception>
    private static DnsResolver CreateResolver(ProxySettings settings, OutboundSocketOptions socketOptions, IReadOnlyList<IPAddress> ownAddresses,
        ILogger outboundLogger, ILogger dnsLogger)
    {
        // Left by a user (or an earlier run) pointing the host at SharpTun: the upstream would be this server.
        if (settings.Dns.Upstreams.Any(text => DnsUpstreamUri.Parse(text).Protocol == DnsUpstreamProtocol.System)
            && ResolvConfNameServers.Read().FirstOrDefault(ownAddresses.Contains) is { } own)
        {
            throw new InvalidOperationException($"dns upstream 'system': {ResolvConfNameServers.DefaultPath} names {own}, SharpTun's own DNS address, "
                + "so it would ask itself; give real resolvers with --dns-upstream (dns.upstreams in a config file)");
        }
        var carrier = settings.Dns.UpstreamOutbound is { } name
            ? settings.Outbounds.First(o => o.Name == name).Configuration.CreateOutbound(new OutboundOptions { SocketOptions = socketOptions }, outboundLogger)
            : null;
        var upstreamOptions = new DnsUpstreamOptions { Outbound = carrier, SocketOptions = socketOptions };
        var upstreams = settings.Dns.Upstreams.SelectMany(text => DnsUpstreamFactory.Create(DnsUpstreamUri.Parse(text), upstreamOptions, dnsLogger)).ToList();
        return new DnsResolver(upstreams, new DnsResolverOptions { UpstreamTimeout = settings.Dns.UpstreamTimeout }, dnsLogger);
    }

    /// <summary>Whether some rule needs the process behind a flow (then a <see cref="SocketOwnerLookup"/> is worth opening).</summary>
    public static bool UsesProcessNames(ProxySettings settings) =>
        settings.Rules.Any(rule => rule.Conditions.Any(condition => condition.Kind == RuleConditionKind.ProcessName));

    private static ValueTask<string?> ProcessName(SocketOwnerLookup owners, RuleNetwork network, NatEndpoint source, NatEndpoint destination, CancellationToken ct)
    {
        var finding = owners.FindAsync(network == RuleNetwork.Tcp ? ProtocolType.Tcp : ProtocolType.Udp, source.ToIPEndPoint(), destination.ToIPEndPoint(), ct);
        return finding.IsCompletedSuccessfully ? ValueTask.FromResult(finding.Result?.Name) : AwaitName(finding);

        static async ValueTask<string?> AwaitName(ValueTask<SocketOwner?> finding) => (await finding.ConfigureAwait(false))?.Name;
    }

    /// <summary>The TUN device options the settings ask for.</summary>
    public static TunOptions TunOptions(ProxySettings settings, string name) => new()
    {
        Name = name,
        Queues = settings.Queues,
        Offload = settings.Offload,
    };

    /// <summary>The proxy's part of the SIGUSR1 status line.</summary>
    public static string Describe(TunProxy proxy) =>
        $"{proxy.TcpSessions} tcp sessions open ({proxy.TcpFlows} proxied, {proxy.TcpRefused} refused), {proxy.UdpAssociations} udp associations"
        + (proxy.Dns is { } dns ? $", dns {dns.FakeAnswers} fake answers, {dns.Forwarded} forwarded, {dns.Failed} failed" + (dns.Pool is { } pool ? $", {pool.Count} fake names" : "") : "");
}

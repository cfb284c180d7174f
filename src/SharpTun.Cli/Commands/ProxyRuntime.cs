using System.CommandLine;
using Microsoft.Extensions.Logging;
using SharpTun.Host;
using SharpTun.Modify;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>The parts of a running proxy that the proxy and exec commands build the same way.</summary>
public static class ProxyRuntime
{
    /// <summary>The TUN's addresses unless told otherwise: a /16 so the NAT has 65,533 addresses x 64,512 ports.</summary>
    public static readonly InterfaceAddress DefaultIpv4 = InterfaceAddress.Parse("198.19.0.1/16");

    /// <summary>A ULA /112 for IPv6 (the NAT pool caps an IPv6 subnet at 65,536 addresses anyway).</summary>
    public static readonly InterfaceAddress DefaultIpv6 = InterfaceAddress.Parse("fdfe:dcba:9876::1/112");

    /// <summary>Builds the outbound and UDP associations from the options and starts the proxy on the device.</summary>
    public static TunProxy Start(ParseResult parsed, ProxyOptions options, LinuxTunDevice device, NatListeners listeners,
        InterfaceAddress ipv4, InterfaceAddress? ipv6, int mtu, PcapWriter? pcap, ILoggerFactory logging)
    {
        var configuration = parsed.GetRequiredValue(options.Proxy);
        var socketOptions = new OutboundSocketOptions
        {
            FirewallMark = parsed.GetValue(options.FirewallMark),
            InterfaceName = parsed.GetValue(options.Interface),
        };
        var outboundLogger = logging.CreateLogger("outbound");
        var outbound = configuration.CreateOutbound(new OutboundOptions { SocketOptions = socketOptions }, outboundLogger);
        Func<NatEndpoint, ITunQueue, UdpAssociation>? udp = outbound switch
        {
            DirectOutbound => (app, queue) => new DirectUdpAssociation(app, queue, socketOptions),
            Socks5Outbound socks5 => (app, queue) => new Socks5UdpFlow(app, queue, socks5, outboundLogger),
            _ => null, // HTTP CONNECT carries no UDP; reject drops it
        };
        var proxyOptions = new TunProxyOptions
        {
            Ipv4 = ipv4,
            Ipv6 = ipv6,
            Mtu = mtu,
            TunOffload = parsed.GetValue(options.Offload),
            BusyPoll = TimeSpan.FromMicroseconds(parsed.GetValue(options.BusyPoll)),
            Icmp = parsed.GetValue(options.Icmp),
            IcmpSocketOptions = socketOptions,
            NatPool = parsed.GetRequiredValue(options.NatPorts),
            UdpIdleTimeout = TimeSpan.FromSeconds(parsed.GetValue(options.UdpTimeout)),
        };
        var proxy = new TunProxy(proxyOptions, device.Queues, listeners, outbound, udp, pcap, logging.CreateLogger("proxy"));
        proxy.Start();
        return proxy;
    }

    /// <summary>The proxy's part of the SIGUSR1 status line.</summary>
    public static string Describe(TunProxy proxy) =>
        $"{proxy.TcpSessions} tcp sessions open ({proxy.TcpFlows} proxied, {proxy.TcpRefused} refused), {proxy.UdpAssociations} udp associations";
}

using Microsoft.Extensions.Logging;
using SharpTun.Cli.Settings;
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
    public static TunProxy Start(ProxySettings settings, LinuxTunDevice device, NatListeners listeners,
        InterfaceAddress ipv4, InterfaceAddress? ipv6, PcapWriter? pcap, ILoggerFactory logging)
    {
        var configuration = settings.Outbounds.Count > 0 ? settings.Outbounds[0].Configuration : ProxyUri.Parse("direct://");
        var socketOptions = new OutboundSocketOptions
        {
            FirewallMark = settings.FirewallMark,
            InterfaceName = settings.Interface,
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
            Mtu = settings.Mtu,
            TunOffload = settings.Offload,
            BusyPoll = TimeSpan.FromMicroseconds(settings.BusyPollMicroseconds),
            Icmp = settings.Icmp,
            IcmpSocketOptions = socketOptions,
            NatPool = settings.NatPorts,
            UdpIdleTimeout = TimeSpan.FromSeconds(settings.UdpTimeoutSeconds),
        };
        var proxy = new TunProxy(proxyOptions, device.Queues, listeners, outbound, udp, pcap, logging.CreateLogger("proxy"));
        proxy.Start();
        return proxy;
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
        $"{proxy.TcpSessions} tcp sessions open ({proxy.TcpFlows} proxied, {proxy.TcpRefused} refused), {proxy.UdpAssociations} udp associations";
}

using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Dns.Upstreams;

/// <summary>Builds the upstreams a <see cref="DnsUpstreamConfiguration"/> describes.</summary>
public static class DnsUpstreamFactory
{
    /// <summary>
    /// The upstreams for <paramref name="configuration"/>: one, or for <c>system</c> one UDP upstream
    /// per name server of resolv.conf (read now; throws <see cref="InvalidOperationException"/> naming
    /// the file when it lists none). The caller owns them: they are <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.
    /// </summary>
    /// <remarks>
    /// A TCP, TLS or HTTPS server given by name is resolved by the outbound. The default direct
    /// outbound asks the system resolver, which in <c>sharptun proxy</c> may be SharpTun's own
    /// fake-IP DNS: give such servers as addresses with a TLS name (<c>tls://8.8.8.8#dns.google</c>).
    /// Likewise <c>system</c> must not be used where resolv.conf points at SharpTun itself.
    /// </remarks>
    public static IReadOnlyList<IDnsUpstream> Create(DnsUpstreamConfiguration configuration, DnsUpstreamOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        switch (configuration.Protocol)
        {
            case DnsUpstreamProtocol.System:
                var servers = ResolvConfNameServers.Read(options.ResolvConfPath);
                var upstreams = new IDnsUpstream[servers.Count];
                for (int i = 0; i < servers.Count; i++)
                {
                    var endPoint = new IPEndPoint(servers[i], DnsUpstreamConfiguration.DnsPort);
                    upstreams[i] = new UdpDnsUpstream(endPoint, options, logger, $"system udp://{ProxyDestination.FromEndPoint(endPoint)}");
                }
                return upstreams;
            case DnsUpstreamProtocol.Udp:
                return [new UdpDnsUpstream(configuration.Server.ToEndPoint(), options, logger)];
            case DnsUpstreamProtocol.Tcp:
                return [new TcpDnsUpstream(configuration.Server, Outbound(options, logger))];
            case DnsUpstreamProtocol.Tls:
                return [new TlsDnsUpstream(configuration, Outbound(options, logger))];
            case DnsUpstreamProtocol.Https:
                return [new HttpsDnsUpstream(configuration, Outbound(options, logger))];
            default:
                throw new ArgumentException($"unknown dns upstream protocol {configuration.Protocol}", nameof(configuration));
        }
    }

    private static IOutbound Outbound(DnsUpstreamOptions options, ILogger logger) =>
        options.Outbound ?? new DirectOutbound(new OutboundOptions
        {
            SocketOptions = options.SocketOptions,
            ConnectTimeout = options.ConnectTimeout,
            TimeProvider = options.TimeProvider,
        }, logger);
}

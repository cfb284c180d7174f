using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Dns;
using SharpTun.Dns.Upstreams;
using SharpTun.Proxy.Outbounds.Socks5;
using SharpTun.Tests.Proxy;
using SharpTun.Tests.Stack.Proxy;
using SharpTun.Wire;
using static SharpTun.Tests.Dns.DnsTestMessages;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>Upstreams through a SOCKS5 proxy (microsocks), the factory, and a resolver over real upstreams; all on 127.0.0.1.</summary>
public sealed class DnsUpstreamIntegrationTests
{
    private static CancellationToken Timeout(double seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static async Task<byte[]> ExchangeAsync(IDnsUpstream upstream, byte[] query)
    {
        var response = new byte[65535];
        int length = await upstream.ExchangeAsync(query, response, Timeout());
        return response[..length];
    }

    private static CountingOutbound Socks(ExternalSocksServer server) =>
        new(new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(5), NullLogger.Instance));

    [Fact]
    public async Task Tcp_OverSocks5_Answered()
    {
        using var dnsmasq = new DnsmasqServer();
        using var socks = ExternalSocksServer.Microsocks();
        var outbound = Socks(socks);
        var upstreams = DnsUpstreamFactory.Create(DnsUpstreamUri.Parse($"tcp://127.0.0.1:{dnsmasq.Port}"), new DnsUpstreamOptions { Outbound = outbound }, NullLogger.Instance);
        await using var upstream = (TcpDnsUpstream)Assert.Single(upstreams);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => ExchangeAsync(upstream, Query($"s{i}.example.test"))));

        Assert.All(answers, answer => Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data));
        Assert.Equal(1, outbound.Connects);
    }

    [Fact]
    public async Task Tls_OverSocks5_ServerGivenByName_ProxyResolvesIt()
    {
        // "localhost" goes to microsocks as a SOCKS5 domain name: the proxy, not SharpTun, resolves the server.
        using var dnsmasq = new DnsmasqServer();
        await using var server = new StreamDnsTestServer(dnsmasq.AskTcpAsync, tls: true);
        using var socks = ExternalSocksServer.Microsocks();
        var outbound = Socks(socks);
        var configuration = DnsUpstreamUri.Parse($"tls://localhost:{server.Port}#{TestCertificate.Name}") with { ServerCertificateValidation = TestCertificate.TrustTestCertificate };
        await using var upstream = (TlsDnsUpstream)Assert.Single(DnsUpstreamFactory.Create(configuration, new DnsUpstreamOptions { Outbound = outbound }, NullLogger.Instance));

        var answer = await ExchangeAsync(upstream, Query("www.example.test"));

        Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data);
        Assert.Equal(1, outbound.Connects);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Factory_System_OneUdpUpstreamPerNameServer()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "nameserver 192.0.2.53\nnameserver 2001:db8::53\n");
            var upstreams = DnsUpstreamFactory.Create(DnsUpstreamUri.Parse("system"), new DnsUpstreamOptions { ResolvConfPath = path }, NullLogger.Instance);

            Assert.Equal(["system udp://192.0.2.53:53", "system udp://[2001:db8::53]:53"], upstreams.Select(u => u.Name));
            Assert.All(upstreams, u => Assert.IsType<UdpDnsUpstream>(u));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("udp://192.0.2.1", typeof(UdpDnsUpstream))]
    [InlineData("tcp://192.0.2.1", typeof(TcpDnsUpstream))]
    [InlineData("tls://192.0.2.1#dns.test", typeof(TlsDnsUpstream))]
    [InlineData("https://192.0.2.1/dns-query", typeof(HttpsDnsUpstream))]
    public void Factory_EachProtocol_ItsUpstreamNamedByItsUrl(string url, Type type)
    {
        var configuration = DnsUpstreamUri.Parse(url);

        var upstream = Assert.Single(DnsUpstreamFactory.Create(configuration, new DnsUpstreamOptions(), NullLogger.Instance));

        Assert.IsType(type, upstream);
        Assert.Equal(configuration.ToString(), upstream.Name);
    }

    [Fact]
    public async Task Resolver_DeadUdpThenDnsmasq_AnswersLogsOnceAndCaches()
    {
        using var dnsmasq = new DnsmasqServer();
        var log = new RecordingLogger();
        var options = new DnsUpstreamOptions();
        var dead = new UdpDnsUpstream(new IPEndPoint(IPAddress.Loopback, TestProcess.FreePort()), options, log);
        var live = new UdpDnsUpstream(dnsmasq.EndPoint, options, log);
        await using var resolver = new DnsResolver([dead, live], new DnsResolverOptions(), log);

        var addresses = await resolver.ResolveAsync("app.example.test", System.Net.Sockets.AddressFamily.InterNetwork, Timeout());
        var response = new byte[65535];
        int length = await resolver.ExchangeAsync(Query("APP.example.test", id: 9), response, Timeout());

        Assert.Equal([IPAddress.Parse(DnsmasqServer.Address)], addresses);
        Assert.Equal(9, Id(response.AsSpan(0, length)));
        Assert.Equal(1, resolver.Cache.Hits);
        var line = Assert.Single(log.Lines);
        Assert.Equal($"dns upstream {dead.Name} failed for app.example.test A: refused the query (ICMP port unreachable: nothing listens there)", line);
    }

    [Fact]
    public async Task Resolver_BigAnswerOverUdp_TruncationHandledBelowTheResolver()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var resolver = new DnsResolver([new UdpDnsUpstream(dnsmasq.EndPoint, new DnsUpstreamOptions(), NullLogger.Instance)], new DnsResolverOptions(), NullLogger.Instance);

        var response = new byte[65535];
        int length = await resolver.ExchangeAsync(Query(DnsmasqServer.BigTxtName, DnsRecordType.Txt), response, Timeout());

        Assert.Equal(DnsmasqServer.BigTxt, Assert.Single(Records(response.AsSpan(0, length))).Data);
    }
}

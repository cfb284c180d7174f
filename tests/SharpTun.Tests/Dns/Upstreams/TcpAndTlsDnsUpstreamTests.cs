using SharpTun.Dns.Upstreams;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Wire;
using static SharpTun.Tests.Dns.DnsTestMessages;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>TcpDnsUpstream against dnsmasq, and both stream upstreams against in-test TCP and DoT servers on 127.0.0.1.</summary>
public sealed class TcpAndTlsDnsUpstreamTests
{
    private static CancellationToken Timeout(double seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static async Task<byte[]> ExchangeAsync(IDnsUpstream upstream, byte[] query)
    {
        var response = new byte[65535];
        int length = await upstream.ExchangeAsync(query, response, Timeout());
        return response[..length];
    }

    private static Func<byte[], CancellationToken, Task<byte[]>> Answering(string address) =>
        (query, _) => Task.FromResult(AnswerA(query, 60, address));

    private static TlsDnsUpstream Tls(string url, IOutbound outbound, bool trust = true)
    {
        var configuration = DnsUpstreamUri.Parse(url);
        if (trust)
            configuration = configuration with { ServerCertificateValidation = TestCertificate.TrustTestCertificate };
        return new TlsDnsUpstream(configuration, outbound);
    }

    [Fact]
    public async Task Tcp_Dnsmasq_SequentialAndConcurrentQueriesShareOneConnection()
    {
        using var dnsmasq = new DnsmasqServer();
        var outbound = CountingOutbound.Direct();
        await using var upstream = new TcpDnsUpstream(dnsmasq.Destination, outbound);

        for (int i = 0; i < 5; i++)
            Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(await ExchangeAsync(upstream, Query($"n{i}.example.test", id: (ushort)i)))).Data);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ExchangeAsync(upstream, Query($"c{i}.example.test", id: (ushort)(100 + i)))));
        var big = await ExchangeAsync(upstream, Query(DnsmasqServer.BigTxtName, DnsRecordType.Txt));

        Assert.Equal(Enumerable.Range(100, 20), concurrent.Select(a => (int)Id(a)));
        Assert.All(concurrent, answer => Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data));
        Assert.Equal(DnsmasqServer.BigTxt, Assert.Single(Records(big)).Data);
        Assert.Equal(1, outbound.Connects);
        Assert.Equal("tcp://127.0.0.1:" + dnsmasq.Port, upstream.Name);
    }

    [Fact]
    public async Task Tcp_AnswersOutOfOrder_EachQueryGetsItsOwn()
    {
        await using var server = new StreamDnsTestServer((query, _) => Task.FromResult(AnswerA(query, 60, QuestionName(query).StartsWith("first", StringComparison.Ordinal) ? "192.0.2.1" : "192.0.2.2")), batch: 2);
        var outbound = CountingOutbound.Direct();
        await using var upstream = new TcpDnsUpstream(server.Destination, outbound);

        var first = ExchangeAsync(upstream, Query("first.example.test", id: 1));
        var second = ExchangeAsync(upstream, Query("second.example.test", id: 2));

        Assert.Equal("192.0.2.1", Assert.Single(Records(await first)).Data);
        Assert.Equal("192.0.2.2", Assert.Single(Records(await second)).Data);
        Assert.Equal(1, Id(await first));
        Assert.Equal(2, Id(await second));
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Tcp_ServerClosesAfterEachAnswer_ReconnectsForTheNext()
    {
        await using var server = new StreamDnsTestServer(Answering("192.0.2.5"), answersPerConnection: 1);
        var outbound = CountingOutbound.Direct();
        await using var upstream = new TcpDnsUpstream(server.Destination, outbound);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("192.0.2.5", Assert.Single(Records(await ExchangeAsync(upstream, Query("www.example.test")))).Data);
            await Task.Delay(50); // let the close arrive, as it would while a connection sits idle
        }

        Assert.Equal(3, server.Connections);
        Assert.Equal(3, outbound.Connects);
    }

    [Fact]
    public async Task Tcp_ServerClosesRightAfterAnswering_NextQueryStillAnswered()
    {
        // No pause: the next query may go out on the closing connection before its end is read, and must not be lost.
        await using var server = new StreamDnsTestServer(Answering("192.0.2.6"), answersPerConnection: 1);
        await using var upstream = new TcpDnsUpstream(server.Destination, CountingOutbound.Direct());

        Assert.Single(Records(await ExchangeAsync(upstream, Query("a.example.test"))));
        Assert.Single(Records(await ExchangeAsync(upstream, Query("b.example.test"))));
    }

    [Fact]
    public async Task Tcp_NothingListening_FailsNamingTheConnect()
    {
        await using var upstream = new TcpDnsUpstream(ProxyDestination.FromAddress(System.Net.IPAddress.Loopback, TestProcess.FreePort()), CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.StartsWith($"{upstream.Name}: cannot connect (direct): connecting to 127.0.0.1:", e.Message);
        Assert.EndsWith("failed: connection refused", e.Message);
    }

    [Fact]
    public async Task Tls_TrustedTestCertificate_AnswersWithTheNameAsSni()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var server = new StreamDnsTestServer(dnsmasq.AskTcpAsync, tls: true);
        var outbound = CountingOutbound.Direct();
        await using var upstream = Tls($"tls://127.0.0.1:{server.Port}#{TestCertificate.Name}", outbound);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => ExchangeAsync(upstream, Query($"t{i}.example.test", id: (ushort)i))));
        var big = await ExchangeAsync(upstream, Query(DnsmasqServer.BigTxtName, DnsRecordType.Txt));

        Assert.All(answers, answer => Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data));
        Assert.Equal(Enumerable.Range(0, 10), answers.Select(a => (int)Id(a)));
        Assert.Equal(DnsmasqServer.BigTxt, Assert.Single(Records(big)).Data);
        Assert.Equal([TestCertificate.Name], server.ServerNames);
        Assert.Equal(1, outbound.Connects);
    }

    [Fact]
    public async Task Tls_AddressWithoutName_CertificateCheckedForTheAddress()
    {
        await using var server = new StreamDnsTestServer(Answering("192.0.2.8"), tls: true);
        await using var upstream = Tls($"tls://127.0.0.1:{server.Port}", CountingOutbound.Direct());

        Assert.Equal("192.0.2.8", Assert.Single(Records(await ExchangeAsync(upstream, Query("www.example.test")))).Data);
        Assert.Equal([""], server.ServerNames); // no SNI for an address (RFC 6066 §3)
    }

    [Fact]
    public async Task Tls_UntrustedCertificate_FailsNamingTheHandshake()
    {
        await using var server = new StreamDnsTestServer(Answering("192.0.2.8"), tls: true);
        await using var upstream = Tls($"tls://127.0.0.1:{server.Port}#{TestCertificate.Name}", CountingOutbound.Direct(), trust: false);

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.StartsWith($"{upstream.Name}: TLS handshake for '{TestCertificate.Name}' failed: ", e.Message);
    }

    [Fact]
    public async Task Tls_CertificateForAnotherName_Fails()
    {
        await using var server = new StreamDnsTestServer(Answering("192.0.2.8"), tls: true);
        await using var upstream = Tls($"tls://127.0.0.1:{server.Port}#other.test", CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.StartsWith($"{upstream.Name}: TLS handshake for 'other.test' failed: ", e.Message);
    }

    [Fact]
    public async Task Tls_ServerClosesAfterEachAnswer_Reconnects()
    {
        await using var server = new StreamDnsTestServer(Answering("192.0.2.9"), tls: true, answersPerConnection: 1);
        await using var upstream = Tls($"tls://127.0.0.1:{server.Port}#{TestCertificate.Name}", CountingOutbound.Direct());

        for (int i = 0; i < 3; i++)
            Assert.Equal("192.0.2.9", Assert.Single(Records(await ExchangeAsync(upstream, Query("www.example.test")))).Data);

        Assert.Equal(3, server.Connections);
    }
}

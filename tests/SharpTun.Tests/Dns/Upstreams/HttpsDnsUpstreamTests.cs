using SharpTun.Dns.Upstreams;
using SharpTun.Wire;
using static SharpTun.Tests.Dns.DnsTestMessages;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>HttpsDnsUpstream against an in-test HTTP/1.1 DoH server and, for HTTP/2, nginx in front of it; all on 127.0.0.1.</summary>
public sealed class HttpsDnsUpstreamTests
{
    private static CancellationToken Timeout(double seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static async Task<byte[]> ExchangeAsync(IDnsUpstream upstream, byte[] query)
    {
        var response = new byte[65535];
        int length = await upstream.ExchangeAsync(query, response, Timeout());
        return response[..length];
    }

    private static HttpsDnsUpstream Https(string url, CountingOutbound outbound) =>
        new(DnsUpstreamUri.Parse(url) with { ServerCertificateValidation = TestCertificate.TrustTestCertificate }, outbound);

    [Fact]
    public async Task Http11_Post_DnsMessageWithIdZeroAndTheNameAsHost()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var server = new HttpDnsTestServer(dnsmasq.AskTcpAsync);
        var outbound = CountingOutbound.Direct();
        using var upstream = Https($"https://127.0.0.1:{server.Port}/dns-query#{TestCertificate.Name}", outbound);

        var answer = await ExchangeAsync(upstream, Query("www.example.test", id: 0x5151));
        var big = await ExchangeAsync(upstream, Query(DnsmasqServer.BigTxtName, DnsRecordType.Txt));

        Assert.Equal(0x5151, Id(answer));
        Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data);
        Assert.Equal(DnsmasqServer.BigTxt, Assert.Single(Records(big)).Data);
        var request = server.Requests[0];
        Assert.Equal(("POST", "/dns-query", "HTTP/1.1"), (request.Method, request.Target, request.Version));
        Assert.Equal($"{TestCertificate.Name}:{server.Port}", request.Headers["host"]);
        Assert.Equal("application/dns-message", request.Headers["content-type"]);
        Assert.Equal("application/dns-message", request.Headers["accept"]);
        Assert.Equal(0, Id(request.Body));
        Assert.Equal(2, server.Requests.Length);
        Assert.Equal(1, outbound.Connects); // kept alive
    }

    [Fact]
    public async Task Http2_ThroughNginx_NegotiatedAndAnswered()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var backend = new HttpDnsTestServer(dnsmasq.AskTcpAsync, tls: false);
        using var nginx = new NginxHttp2Proxy(backend.Port);
        var outbound = CountingOutbound.Direct();
        using var upstream = Https($"https://127.0.0.1:{nginx.Port}/dns-query?sni={TestCertificate.Name}", outbound);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => ExchangeAsync(upstream, Query($"h{i}.example.test", id: (ushort)(0x200 + i)))));

        Assert.All(answers, answer => Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data));
        Assert.Equal(Enumerable.Range(0x200, 10), answers.Select(a => (int)Id(a)));
        Assert.Equal(Enumerable.Repeat("HTTP/2.0 POST /dns-query 200", 10), nginx.AccessLog);
        Assert.Equal(1, outbound.Connects); // one HTTP/2 connection carries them all
    }

    [Fact]
    public async Task HttpError_FailsNamingTheStatus()
    {
        await using var server = new HttpDnsTestServer((query, _) => Task.FromResult(query)) { FixedStatus = "503 Service Unavailable" };
        using var upstream = Https($"https://127.0.0.1:{server.Port}/dns-query#{TestCertificate.Name}", CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.Equal($"{upstream.Name} answered HTTP 503 Service Unavailable", e.Message);
    }

    [Fact]
    public async Task WrongContentType_Fails()
    {
        await using var server = new HttpDnsTestServer((query, _) => Task.FromResult(AnswerA(query, 60, "192.0.2.1"))) { ContentType = "text/html" };
        using var upstream = Https($"https://127.0.0.1:{server.Port}/dns-query#{TestCertificate.Name}", CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.Equal($"{upstream.Name} answered with content type 'text/html', not application/dns-message", e.Message);
    }

    [Fact]
    public async Task AnswerToAnotherQuestion_Fails()
    {
        await using var server = new HttpDnsTestServer((query, _) => Task.FromResult(AnswerA(Query("evil.example.test", id: 0), 60, "192.0.2.66")));
        using var upstream = Https($"https://127.0.0.1:{server.Port}/dns-query#{TestCertificate.Name}", CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.Contains("is not an answer to the query", e.Message);
    }

    [Fact]
    public async Task UntrustedCertificate_FailsNamingTls()
    {
        await using var server = new HttpDnsTestServer((query, _) => Task.FromResult(AnswerA(query, 60, "192.0.2.1")));
        using var upstream = new HttpsDnsUpstream(DnsUpstreamUri.Parse($"https://127.0.0.1:{server.Port}/dns-query#{TestCertificate.Name}"), CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.StartsWith($"{upstream.Name}: The SSL connection could not be established", e.Message);
    }

    [Fact]
    public async Task NothingListening_FailsNamingTheConnect()
    {
        using var upstream = Https($"https://127.0.0.1:{TestProcess.FreePort()}/dns-query", CountingOutbound.Direct());

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.Contains("cannot connect to 127.0.0.1:", e.Message);
        Assert.Contains("connection refused", e.Message);
    }
}

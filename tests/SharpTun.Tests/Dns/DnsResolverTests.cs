using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Dns;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Tests.Stack.Proxy;
using SharpTun.Wire;
using static SharpTun.Tests.Dns.DnsTestMessages;

namespace SharpTun.Tests.Dns;

public sealed class DnsResolverTests
{
    private readonly RecordingLogger _log = new();

    private DnsResolver Resolver(DnsResolverOptions options, params ScriptedUpstream[] upstreams) => new(upstreams, options, _log);

    private DnsResolver Resolver(params ScriptedUpstream[] upstreams) => Resolver(new DnsResolverOptions(), upstreams);

    private static async Task<byte[]> AskAsync(DnsResolver resolver, byte[] query)
    {
        var response = new byte[65535];
        int length = await resolver.ExchangeAsync(query, response, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        return response[..length];
    }

    private static Func<byte[], byte[]> Address(string address, uint ttl = 300) => query => AnswerA(query, ttl, address);

    [Fact]
    public async Task ExchangeAsync_FirstAnswers_OnlyFirstAskedAndCached()
    {
        var first = ScriptedUpstream.Answering("first", Address("192.0.2.1"));
        var second = ScriptedUpstream.Answering("second", Address("192.0.2.2"));
        await using var resolver = Resolver(first, second);

        var answer = await AskAsync(resolver, Query("www.example.test", id: 0x4242));
        var again = await AskAsync(resolver, Query("WWW.example.test", id: 0x4343));

        Assert.Equal(0x4242, Id(answer));
        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.1")], Records(answer));
        Assert.Equal(0x4343, Id(again));
        Assert.Equal("WWW.example.test", QuestionName(again));
        Assert.Equal((1, 0), (first.Calls, second.Calls));
        Assert.Equal(1, resolver.Cache.Hits);
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task ExchangeAsync_UpstreamQuery_HasRdOptAndClientsName()
    {
        var upstream = ScriptedUpstream.Answering("u", Address("192.0.2.1"));
        await using var resolver = Resolver(upstream);

        await AskAsync(resolver, Query("MiXed.example.test", DnsRecordType.Aaaa, payloadSize: 4096, dnssecOk: true));

        var sent = Assert.Single(upstream.Queries);
        var header = Header(sent);
        Assert.Equal(DnsFlags.RecursionDesired, header.Flags);
        Assert.Equal("MiXed.example.test", QuestionName(sent));
        Assert.True(DnsMessageReader.TryParse(sent, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var opt));
        Assert.Equal(1232, opt.Opt.UdpPayloadSize);
        Assert.True(opt.Opt.DnssecOk);
    }

    [Fact]
    public async Task ExchangeAsync_FirstFails_NextAskedAtOnceAndFailureLogged()
    {
        var first = ScriptedUpstream.Failing("tls://192.0.2.53:853", "TLS handshake for 'dns.test' failed: RemoteCertificateNameMismatch");
        var second = ScriptedUpstream.Answering("udp://192.0.2.54:53", Address("192.0.2.2"));
        await using var resolver = Resolver(new DnsResolverOptions { FallbackDelay = TimeSpan.FromSeconds(30) }, first, second);
        var clock = Stopwatch.StartNew();

        var answer = await AskAsync(resolver, Query("www.example.test"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.2")], Records(answer));
        Assert.Equal(["dns upstream tls://192.0.2.53:853 failed for www.example.test A: TLS handshake for 'dns.test' failed: RemoteCertificateNameMismatch"], _log.Lines);
    }

    [Fact]
    public async Task ExchangeAsync_FirstSilent_TimesOutThenNextAnswers()
    {
        var first = ScriptedUpstream.Silent("silent");
        var second = ScriptedUpstream.Answering("second", Address("192.0.2.2"));
        var options = new DnsResolverOptions { UpstreamTimeout = TimeSpan.FromMilliseconds(300), FallbackDelay = TimeSpan.FromMinutes(1) };
        await using var resolver = Resolver(options, first, second);

        var answer = await AskAsync(resolver, Query("www.example.test"));

        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.2")], Records(answer));
        Assert.Equal(["dns upstream silent failed for www.example.test A: no answer within 0.3 s"], _log.Lines);
    }

    [Fact]
    public async Task ExchangeAsync_FirstSlow_NextAskedAfterFallbackDelayAndFirstAnswerWins()
    {
        var slowStarted = new TaskCompletionSource();
        var slow = new ScriptedUpstream("slow", async (query, ct) =>
        {
            slowStarted.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            return AnswerA(query, 300, "192.0.2.1");
        });
        var fast = ScriptedUpstream.Answering("fast", Address("192.0.2.2"));
        await using var resolver = Resolver(new DnsResolverOptions { FallbackDelay = TimeSpan.FromMilliseconds(100) }, slow, fast);
        var clock = Stopwatch.StartNew();

        var answer = await AskAsync(resolver, Query("www.example.test"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.2")], Records(answer));
        Assert.Equal((1, 1), (slow.Calls, fast.Calls));
        Assert.Empty(_log.Lines); // the slow one lost the race, it did not fail
    }

    [Fact]
    public async Task ExchangeAsync_ZeroFallbackDelay_AsksEveryUpstreamAtOnce()
    {
        var gate = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstreams = Enumerable.Range(1, 3).Select(i => new ScriptedUpstream($"u{i}", (query, ct) => gate.Task.WaitAsync(ct))).ToArray();
        await using var resolver = Resolver(new DnsResolverOptions { FallbackDelay = TimeSpan.Zero }, upstreams);

        var asking = AskAsync(resolver, Query("www.example.test"));
        await WaitUntilAsync(() => upstreams.All(u => u.Calls == 1));
        gate.SetResult(AnswerA(Query("www.example.test"), 300, "192.0.2.9"));

        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.9")], Records(await asking));
    }

    [Fact]
    public async Task ExchangeAsync_AllFail_ServFailWithQuestionAndNoThrow()
    {
        await using var resolver = Resolver(ScriptedUpstream.Failing("a", "connection refused"), ScriptedUpstream.Failing("b", "network unreachable"));

        var answer = await AskAsync(resolver, Query("www.example.test", id: 0x0707, payloadSize: 1232));

        var header = Header(answer);
        Assert.Equal(0x0707, header.Id);
        Assert.Equal(DnsResponseCode.ServerFailure, header.ResponseCode);
        Assert.Equal(DnsFlags.Response | DnsFlags.RecursionDesired | DnsFlags.RecursionAvailable, header.Flags);
        Assert.Equal("www.example.test", QuestionName(answer));
        Assert.Equal(1, header.AdditionalCount); // the client sent OPT, so the answer has one
        Assert.Equal(
            ["dns upstream a failed for www.example.test A: connection refused", "dns upstream b failed for www.example.test A: network unreachable"],
            _log.Lines.Order());
        Assert.Equal(0, resolver.Cache.Count);
    }

    [Fact]
    public async Task ExchangeAsync_FirstRefuses_NextAnswers_AllRefuse_RefusedPassedOn()
    {
        var refusing = ScriptedUpstream.Answering("refusing", query => Answer(query, DnsResponseCode.Refused));
        var answering = ScriptedUpstream.Answering("answering", Address("192.0.2.2"));
        await using (var resolver = Resolver(refusing, answering))
            Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.2")], Records(await AskAsync(resolver, Query("www.example.test"))));
        Assert.Equal(["dns upstream refusing failed for www.example.test A: it answered REFUSED"], _log.Lines);

        await using (var resolver = Resolver(refusing))
            Assert.Equal(DnsResponseCode.Refused, Header(await AskAsync(resolver, Query("www.example.test"))).ResponseCode);
    }

    [Fact]
    public async Task ExchangeAsync_ConcurrentSameQuestion_OneUpstreamExchange()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new ScriptedUpstream("gated", async (query, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return AnswerA(query, 300, "192.0.2.7");
        });
        await using var resolver = Resolver(upstream);

        var asking = Enumerable.Range(0, 20)
            .Select(i => AskAsync(resolver, Query(i % 2 == 0 ? "www.example.test" : "WWW.EXAMPLE.TEST", id: (ushort)(1000 + i))))
            .ToArray();
        await WaitUntilAsync(() => upstream.Calls == 1);
        await Task.Delay(50);
        gate.SetResult();
        var answers = await Task.WhenAll(asking);

        Assert.Equal(1, upstream.Calls);
        for (int i = 0; i < answers.Length; i++)
        {
            Assert.Equal(1000 + i, Id(answers[i]));
            Assert.Equal(i % 2 == 0 ? "www.example.test" : "WWW.EXAMPLE.TEST", QuestionName(answers[i]));
            Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.7")], Records(answers[i]));
        }
    }

    [Fact]
    public async Task ExchangeAsync_CallerCancels_OthersStillAnswered()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new ScriptedUpstream("gated", async (query, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return AnswerA(query, 300, "192.0.2.7");
        });
        await using var resolver = Resolver(upstream);
        using var cancel = new CancellationTokenSource();

        var cancelled = resolver.ExchangeAsync(Query("www.example.test"), new byte[512], cancel.Token).AsTask();
        var waiting = AskAsync(resolver, Query("www.example.test"));
        cancel.Cancel();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.7")], Records(await waiting));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, DnsResponseCode.NoError, 0)] // too short to answer at all
    [InlineData(new byte[] { 0x12, 0x34, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 0 }, DnsResponseCode.FormatError, 12)] // two questions promised, none there
    [InlineData(new byte[] { 0x12, 0x34, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, DnsResponseCode.NotImplemented, 12)] // opcode UPDATE
    public async Task ExchangeAsync_BadQuery_AnsweredWithoutUpstream(byte[] query, DnsResponseCode code, int length)
    {
        var upstream = ScriptedUpstream.Answering("u", Address("192.0.2.1"));
        await using var resolver = Resolver(upstream);

        var answer = await AskAsync(resolver, query);

        Assert.Equal(length, answer.Length);
        if (length > 0)
        {
            Assert.Equal(0x1234, Id(answer));
            Assert.Equal(code, Header(answer).ResponseCode);
        }
        Assert.Equal(0, upstream.Calls);
    }

    [Fact]
    public async Task ExchangeAsync_AnswerLargerThanBuffer_EmptyWithTruncated()
    {
        var many = Enumerable.Range(1, 60).Select(i => $"192.0.2.{i}").ToArray();
        await using var resolver = Resolver(ScriptedUpstream.Answering("u", query => AnswerA(query, 300, many)));

        var response = new byte[512];
        int length = await resolver.ExchangeAsync(Query("many.example.test"), response, CancellationToken.None);

        var header = Header(response.AsSpan(0, length));
        Assert.True((header.Flags & DnsFlags.Truncated) != 0);
        Assert.Equal(0, header.AnswerCount);
        Assert.Equal(60, Records(await AskAsync(resolver, Query("many.example.test"))).Count);
    }

    [Fact]
    public async Task ResolveAsync_CnameChain_FollowsToAddressesIpv4First()
    {
        var upstream = ScriptedUpstream.Answering("u", query => Header(query).Id >= 0 && QuestionType(query) == DnsRecordType.A
            ? Answer(query, DnsResponseCode.NoError, (ref DnsMessageWriter writer, byte[] name) =>
            {
                writer.TryWriteCname(name, 300, Name("edge.cdn.test"));
                writer.TryWriteCname(Name("edge.cdn.test"), 300, Name("pop1.cdn.test"));
                writer.TryWriteA(Name("unrelated.test"), 300, 0x0A000001);
                writer.TryWriteA(Name("pop1.cdn.test"), 300, 0xC0000201);
                writer.TryWriteA(Name("POP1.cdn.test"), 300, 0xC0000202);
            })
            : Answer(query, DnsResponseCode.NoError, (ref DnsMessageWriter writer, byte[] name) =>
                writer.TryWriteAaaa(name, 300, IPAddress.Parse("2001:db8::7").GetAddressBytes())));
        await using var resolver = Resolver(upstream);

        var both = await resolver.ResolveAsync("www.example.test", CancellationToken.None);
        var v6 = await resolver.ResolveAsync("www.example.test", AddressFamily.InterNetworkV6, CancellationToken.None);

        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"), IPAddress.Parse("2001:db8::7")], both);
        Assert.Equal([IPAddress.Parse("2001:db8::7")], v6);
        Assert.Equal(2, upstream.Calls); // the second lookup came from the cache
    }

    [Fact]
    public async Task ResolveAsync_NxDomain_HostNotFound_AllFail_TryAgain_NoData_Empty()
    {
        await using (var nx = Resolver(ScriptedUpstream.Answering("u", query => Negative(query, DnsResponseCode.NameError, 300, 60))))
            Assert.Equal(SocketError.HostNotFound, (await Assert.ThrowsAsync<SocketException>(async () => await nx.ResolveAsync("nx.example.test", CancellationToken.None))).SocketErrorCode);
        await using (var failing = Resolver(ScriptedUpstream.Failing("u", "down")))
            Assert.Equal(SocketError.TryAgain, (await Assert.ThrowsAsync<SocketException>(async () => await failing.ResolveAsync("www.example.test", CancellationToken.None))).SocketErrorCode);
        await using (var noData = Resolver(ScriptedUpstream.Answering("u", query => Negative(query, DnsResponseCode.NoError, 300, 60))))
            Assert.Empty(await noData.ResolveAsync("www.example.test", CancellationToken.None));
    }

    [Fact]
    public async Task ResolveAsync_LiteralsAndLocalhost_NoUpstream()
    {
        var upstream = ScriptedUpstream.Failing("u", "must not be asked");
        await using var resolver = Resolver(upstream);

        Assert.Equal([IPAddress.Parse("192.0.2.1")], await resolver.ResolveAsync("192.0.2.1", CancellationToken.None));
        Assert.Equal([IPAddress.Parse("2001:db8::1")], await resolver.ResolveAsync("2001:db8::1", CancellationToken.None));
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], await resolver.ResolveAsync("LocalHost.", CancellationToken.None));
        Assert.Equal([IPAddress.Loopback], await resolver.ResolveAsync("localhost", AddressFamily.InterNetwork, CancellationToken.None));
        Assert.Equal(0, upstream.Calls);
    }

    [Fact]
    public async Task ResolveAsync_FromInsideAnUpstreamExchange_FailsFastInsteadOfWaitingOnItself()
    {
        DnsResolver? resolver = null;
        SocketException? inner = null;
        var upstream = new ScriptedUpstream("tls://dns.example.test:853", async (query, ct) =>
        {
            // What a direct outbound whose DomainResolver is this resolver does for an upstream given by name.
            inner = await Assert.ThrowsAsync<SocketException>(async () => await resolver!.ResolveAsync("dns.example.test", ct));
            throw new SharpTun.Dns.Upstreams.DnsUpstreamException("tls://dns.example.test:853: cannot connect");
        });
        resolver = Resolver(new DnsResolverOptions { UpstreamTimeout = TimeSpan.FromSeconds(30) }, upstream);
        await using var _ = resolver;
        var clock = Stopwatch.StartNew();

        var answer = await AskAsync(resolver, Query("www.example.test"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(SocketError.TryAgain, inner!.SocketErrorCode);
        Assert.Equal(DnsResponseCode.ServerFailure, Header(answer).ResponseCode);
        Assert.Contains(_log.Lines, line => line.StartsWith("a DNS upstream needs 'dns.example.test' resolved, which would ask this resolver itself", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DirectOutbound_WithResolverAsDomainResolver_ConnectsToResolvedAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var resolver = Resolver(ScriptedUpstream.Answering("u", query => QuestionType(query) == DnsRecordType.A
            ? AnswerA(query, 300, "127.0.0.1")
            : Negative(query, DnsResponseCode.NoError, 300, 60)));
        var outbound = new DirectOutbound(new OutboundOptions { DomainResolver = resolver }, NullLogger.Instance);

        var result = await outbound.ConnectTcpAsync(ProxyDestination.FromDomain("app.example.test", ((IPEndPoint)listener.LocalEndpoint).Port), CancellationToken.None);

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
    }

    private static DnsRecordType QuestionType(byte[] query)
    {
        Assert.True(DnsMessageReader.TryParse(query, out var reader, out _));
        Assert.True(reader.TryReadQuestion(out var question));
        return question.Type;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the condition did not come true within 10 s");
            await Task.Delay(10);
        }
    }
}

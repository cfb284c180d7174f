using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Dns.Upstreams;
using SharpTun.Proxy.Outbounds;
using SharpTun.Wire;
using Xunit.Abstractions;
using static SharpTun.Tests.Dns.DnsTestMessages;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>UdpDnsUpstream against dnsmasq and against scripted UDP servers on 127.0.0.1.</summary>
public sealed class UdpDnsUpstreamTests(ITestOutputHelper output)
{
    private static CancellationToken Timeout(double seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static UdpDnsUpstream Upstream(IPEndPoint server, DnsUpstreamOptions? options = null) =>
        new(server, options ?? new DnsUpstreamOptions(), NullLogger.Instance);

    private static async Task<byte[]> ExchangeAsync(IDnsUpstream upstream, byte[] query)
    {
        var response = new byte[65535];
        int length = await upstream.ExchangeAsync(query, response, Timeout());
        return response[..length];
    }

    [Fact]
    public async Task ExchangeAsync_Dnsmasq_AnswersWithTheQueryId()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var upstream = Upstream(dnsmasq.EndPoint);

        var answer = await ExchangeAsync(upstream, Query("www.example.test", id: 0xABCD));

        Assert.Equal("udp://127.0.0.1:" + dnsmasq.Port, upstream.Name);
        Assert.Equal(0xABCD, Id(answer));
        Assert.Equal(DnsmasqServer.Address, Assert.Single(Records(answer)).Data);
    }

    [Fact]
    public async Task ExchangeAsync_BigAnswerWithoutEdns_TruncatedOverUdpSoAskedAgainOverTcp()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var upstream = Upstream(dnsmasq.EndPoint);
        var query = Query(DnsmasqServer.BigTxtName, DnsRecordType.Txt);
        var overUdp = await dnsmasq.AskUdpAsync(query, Timeout());
        Assert.True((Header(overUdp).Flags & DnsFlags.Truncated) != 0, "dnsmasq should truncate a 700-byte answer to a query without EDNS");

        var answer = await ExchangeAsync(upstream, query);

        Assert.True(answer.Length > 512, $"{answer.Length} bytes");
        Assert.Equal(DnsFlags.None, Header(answer).Flags & DnsFlags.Truncated);
        Assert.Equal(DnsmasqServer.BigTxt, Assert.Single(Records(answer)).Data);
        Assert.Equal(0x1234, Id(answer));
    }

    [Fact]
    public async Task ExchangeAsync_BigAnswerWithEdns_AnsweredOverUdp()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var upstream = Upstream(dnsmasq.EndPoint);
        var query = Query(DnsmasqServer.BigTxtName, DnsRecordType.Txt, payloadSize: 1232);
        Assert.Equal(DnsFlags.None, Header(await dnsmasq.AskUdpAsync(query, Timeout())).Flags & DnsFlags.Truncated);

        var answer = await ExchangeAsync(upstream, query);

        Assert.Equal(DnsmasqServer.BigTxt, Records(answer).Single(r => r.Type == DnsRecordType.Txt).Data);
    }

    [Fact]
    public async Task ExchangeAsync_DatagramLargerThanAnnouncedByDefault_ReceivedWhole()
    {
        // A query announcing 4096 bytes may get a 3000-byte datagram; nothing may cut it to 512 or 1232.
        var query = Query("large.example.test", payloadSize: 4096);
        var addresses = Enumerable.Range(1, 180).Select(i => $"10.0.{i / 250}.{i % 250}").ToArray();
        await using var server = new ScriptedUdpServer((received, reply) => reply(AnswerA(received, 60, addresses)));
        await using var upstream = Upstream(server.EndPoint);

        var answer = await ExchangeAsync(upstream, query);

        Assert.True(answer.Length > 2500, $"{answer.Length} bytes");
        Assert.Equal(180, Records(answer).Count(r => r.Type == DnsRecordType.A));
    }

    [Fact]
    public async Task ExchangeAsync_MismatchedRepliesFirst_DroppedAndTheMatchingOneTaken()
    {
        var query = Query("www.example.test", id: 0x1111);
        await using var server = new ScriptedUdpServer((received, reply) =>
        {
            var id = Id(received);
            Assert.NotEqual(0x1111, id); // a fresh random ID went on the wire
            var right = AnswerA(received, 60, "192.0.2.3");
            var wrongId = (byte[])right.Clone();
            wrongId[1] ^= 0x01;
            reply(wrongId);
            reply(AnswerA(Query("other.example.test", id: id), 60, "192.0.2.1")); // right ID, other question
            reply(right);
        });
        await using var upstream = Upstream(server.EndPoint);

        var answer = await ExchangeAsync(upstream, query);

        Assert.Equal(0x1111, Id(answer));
        Assert.Equal("192.0.2.3", Assert.Single(Records(answer)).Data);
    }

    [Fact]
    public async Task ExchangeAsync_FirstDatagramLost_SentAgainAfterRetransmitInterval()
    {
        int seen = 0;
        await using var server = new ScriptedUdpServer((received, reply) =>
        {
            if (Interlocked.Increment(ref seen) > 1)
                reply(AnswerA(received, 60, "192.0.2.4"));
        });
        await using var upstream = Upstream(server.EndPoint, new DnsUpstreamOptions { UdpRetransmitInterval = TimeSpan.FromMilliseconds(200) });
        var clock = Stopwatch.StartNew();

        var answer = await ExchangeAsync(upstream, Query("www.example.test"));

        Assert.Equal("192.0.2.4", Assert.Single(Records(answer)).Data);
        Assert.Equal(2, seen);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ExchangeAsync_NothingListening_FailsSayingRefused()
    {
        await using var upstream = Upstream(new IPEndPoint(IPAddress.Loopback, TestProcess.FreePort()));

        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(upstream, Query("www.example.test")));

        Assert.Equal($"{upstream.Name}: refused the query (ICMP port unreachable: nothing listens there)", e.Message);
    }

    [Fact]
    public async Task ExchangeAsync_SocketOptions_AppliedToTheUdpSocket()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var bound = Upstream(dnsmasq.EndPoint, new DnsUpstreamOptions { SocketOptions = new OutboundSocketOptions { InterfaceName = "lo", FirewallMark = 0x5a17 } });
        await using var unknown = Upstream(dnsmasq.EndPoint, new DnsUpstreamOptions { SocketOptions = new OutboundSocketOptions { InterfaceName = "nosuchif0" } });

        Assert.Single(Records(await ExchangeAsync(bound, Query("www.example.test"))));
        var e = await Assert.ThrowsAsync<DnsUpstreamException>(() => ExchangeAsync(unknown, Query("www.example.test")));
        Assert.StartsWith($"{unknown.Name}: cannot set up a UDP socket (interface nosuchif0): ", e.Message);
    }

    [Fact]
    public async Task ExchangeAsync_Dnsmasq_Latency()
    {
        using var dnsmasq = new DnsmasqServer();
        await using var upstream = Upstream(dnsmasq.EndPoint);
        var query = Query("www.example.test");
        var response = new byte[65535];
        for (int i = 0; i < 100; i++)
            await upstream.ExchangeAsync(query, response, Timeout());

        const int Count = 2000;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
            await upstream.ExchangeAsync(query, response, Timeout());
        clock.Stop();

        // The floor: one connected socket reused, no ID or question checks.
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.Connect(dnsmasq.EndPoint);
        var rawClock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
        {
            await raw.SendAsync(query, SocketFlags.None);
            await raw.ReceiveAsync(response, SocketFlags.None);
        }
        rawClock.Stop();

        output.WriteLine($"UDP exchange with dnsmasq on loopback: {clock.Elapsed.TotalMicroseconds / Count:0.0} us per query "
            + $"(a reused raw socket: {rawClock.Elapsed.TotalMicroseconds / Count:0.0} us; {Count} sequential)");
    }

    /// <summary>A UDP server on 127.0.0.1 whose script gets each datagram and a way to send replies to its sender.</summary>
    private sealed class ScriptedUdpServer : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
        private readonly Task _loop;

        public ScriptedUdpServer(Action<byte[], Action<byte[]>> script)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _loop = LoopAsync(script);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _loop;
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task LoopAsync(Action<byte[], Action<byte[]>> script)
        {
            var buffer = new byte[65535];
            try
            {
                while (true)
                {
                    var received = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    var from = received.RemoteEndPoint;
                    script(buffer[..received.ReceivedBytes], reply => _socket.SendTo(reply, from));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}

using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;
using SharpTun.Tests.Proxy;
using SharpTun.Tests.Stack.Nat;
using SharpTun.Tests.Tun;
using static SharpTun.Tests.Proxy.ScriptedServer.Script;

namespace SharpTun.Tests.Stack.Proxy;

/// <summary>
/// Each UDP flow logs one line when it ends, whatever ended it, with the bytes and datagrams of each
/// direction. Direct associations talk to remotes on this host's loopback that answer every datagram
/// with its payload twice, so the two directions' counts differ; answers land in a recording TUN queue.
/// </summary>
public sealed class UdpFlowTableTests : IAsyncLifetime
{
    private static readonly NatEndpoint AppA = NatEndpoint.V4(0x0a4d0002, 5000); // 10.77.0.2:5000
    private static readonly NatEndpoint AppB = NatEndpoint.V4(0x0a4d0002, 5001);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingLogger _log = new();
    private readonly RunningTasks _running = new();
    private readonly AllocationRecordingTunQueue _tun = new(64);
    private readonly DoublingRemote _remote = new();
    private readonly DoublingRemote _otherRemote = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime: xunit 2 calls it on a test class; it does not call IAsyncDisposable.
    public async Task DisposeAsync()
    {
        await _remote.DisposeAsync();
        await _otherRemote.DisposeAsync();
    }

    private UdpFlowTable DirectTable(int maximumEntries = 16) =>
        new((app, _) => new DirectUdpAssociation(app, _tun, OutboundSocketOptions.None) { OutboundName = "direct" },
            new UdpNatOptions { IdleTimeout = IdleTimeout, MaximumEntries = maximumEntries }, _running, _log, _time);

    /// <summary>Sends one datagram of each size from <paramref name="app"/> and waits until every answer is in the TUN.</summary>
    private async Task ExchangeAsync(UdpFlowTable table, NatEndpoint app, NatEndpoint destination, params int[] sizes)
    {
        var expected = _tun.Count + sizes.Length;
        foreach (var size in sizes)
            Assert.True(table.GetOrAdd(app, destination).Send(destination, new byte[size]));
        await WaitUntilAsync(() => _tun.Count >= expected);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var ct = ProxyTestSupport.Timeout(5);
        while (!condition())
            await Task.Delay(5, ct);
    }

    private string SingleLine(string prefix) => Assert.Single(_log.Lines, line => line.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task ExpireIdle_IdleFlow_LogsIdleTimeoutWithBothDirectionsAndDuration()
    {
        var table = DirectTable();
        await ExchangeAsync(table, AppA, _remote.Endpoint, 100, 50);
        _time.Advance(IdleTimeout);

        Assert.Equal(1, table.ExpireIdle());
        Assert.True(await _running.WaitIdleAsync(TimeSpan.FromSeconds(5)));

        var line = Assert.Single(_log.Lines);
        Assert.Equal($"udp 10.77.0.2:5000 -> {_remote.Endpoint} via direct: IdleTimeout, up 150 B in 2 datagrams, down 300 B in 2 datagrams, 300.000 s", line);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task ExpireIdle_OnlyTheRemoteTalks_RepliesKeepTheMappingAlive()
    {
        var table = DirectTable();
        using var remote = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var remoteEndpoint = NatEndpoint.FromIPEndPoint((IPEndPoint)remote.Client.LocalEndPoint!);
        Assert.True(table.GetOrAdd(AppA, remoteEndpoint).Send(remoteEndpoint, new byte[8])); // the app's only datagram
        var request = await remote.ReceiveAsync(ProxyTestSupport.Timeout(5));

        _time.Advance(IdleTimeout - TimeSpan.FromMinutes(1));
        await remote.SendAsync(new byte[30], request.RemoteEndPoint, ProxyTestSupport.Timeout(5)); // a pushed stream
        await WaitUntilAsync(() => _tun.Count >= 1);
        _time.Advance(TimeSpan.FromMinutes(2)); // the app has been silent for longer than the timeout

        Assert.Equal(0, table.ExpireIdle());
        _time.Advance(IdleTimeout);
        Assert.Equal(1, table.ExpireIdle());
    }

    [Fact]
    public async Task GetOrAdd_TableFull_EvictedFlowLogsEvictedAndTheOtherLogsShutdown()
    {
        var table = DirectTable(maximumEntries: 1);
        await ExchangeAsync(table, AppA, _remote.Endpoint, 40);
        _time.Advance(TimeSpan.FromSeconds(7));
        await ExchangeAsync(table, AppB, _remote.Endpoint, 10, 20, 30); // evicts A

        await WaitUntilAsync(() => _log.Lines.Length == 1);
        Assert.Equal($"udp 10.77.0.2:5000 -> {_remote.Endpoint} via direct: Evicted, up 40 B in 1 datagrams, down 80 B in 1 datagrams, 7.000 s", Assert.Single(_log.Lines));

        _time.Advance(TimeSpan.FromSeconds(2));
        table.Dispose();
        Assert.True(await _running.WaitIdleAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal($"udp 10.77.0.2:5001 -> {_remote.Endpoint} via direct: Shutdown, up 60 B in 3 datagrams, down 120 B in 3 datagrams, 2.000 s", SingleLine("udp 10.77.0.2:5001 "));
        Assert.Equal(2, table.Created);
    }

    [Fact]
    public async Task Dispose_FlowToTwoRemotes_LogsShutdownWithFirstDestinationAndTheOtherCounted()
    {
        var table = DirectTable();
        await ExchangeAsync(table, AppA, _remote.Endpoint, 11);
        await ExchangeAsync(table, AppA, _otherRemote.Endpoint, 22, 33); // full cone: the same association
        await ExchangeAsync(table, AppA, _remote.Endpoint, 44);
        _time.Advance(TimeSpan.FromMilliseconds(1500));

        table.Dispose();
        Assert.True(await _running.WaitIdleAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal($"udp 10.77.0.2:5000 -> {_remote.Endpoint} (+1 more destination) via direct: Shutdown, up 110 B in 4 datagrams, down 220 B in 4 datagrams, 1.500 s",
            Assert.Single(_log.Lines));
    }

    [Fact]
    public async Task Dispose_FlowThatSentNothing_LogsZeroCounts()
    {
        var table = DirectTable();
        table.GetOrAdd(AppA, AppA);

        table.Dispose();
        Assert.True(await _running.WaitIdleAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal("udp 10.77.0.2:5000 -> no destination via direct: Shutdown, up 0 B in 0 datagrams, down 0 B in 0 datagrams, 0.000 s", Assert.Single(_log.Lines));
    }

    [Fact]
    public async Task Socks5ServerClosesTheAssociation_FlowLogsFailedOnceWithWhatItCarried()
    {
        using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var relayPort = ((IPEndPoint)relay.LocalEndPoint!).Port;
        byte[] bound = [0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, (byte)(relayPort >> 8), (byte)relayPort];
        await using var server = ScriptedServer.Start(Expect(3), Send(0x05, 0x00), Expect(10), Send(bound), Hold(), Close());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);
        var table = new UdpFlowTable((app, _) => new Socks5UdpFlow(app, _tun, outbound, ProxyTestSupport.Logger) { OutboundName = outbound.Name },
            new UdpNatOptions { IdleTimeout = IdleTimeout }, _running, _log, _time);
        var destination = NatEndpoint.V4(0x0a010203, 53);
        var ct = ProxyTestSupport.Timeout();

        Assert.True(table.GetOrAdd(AppA, destination).Send(destination, new byte[64])); // held until the association opens
        var from = await relay.ReceiveFromAsync(new byte[2048], SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), ct);
        byte[] answer = [0x00, 0x00, 0x00, 0x01, 10, 1, 2, 3, 0x00, 53, .. new byte[100]];
        await relay.SendToAsync(answer, SocketFlags.None, from.RemoteEndPoint, ct);
        await WaitUntilAsync(() => _tun.Count == 1);
        _time.Advance(TimeSpan.FromSeconds(2));
        server.Release(); // the server closes the control connection: the association is over (RFC 1928 §7)

        await WaitUntilAsync(() => _log.Lines.Length == 1);
        Assert.Equal($"udp 10.77.0.2:5000 -> 10.1.2.3:53 via {outbound.Name}: Failed (the SOCKS5 server closed the UDP association), up 64 B in 1 datagrams, down 100 B in 1 datagrams, 2.000 s",
            Assert.Single(_log.Lines));

        table.Dispose(); // still mapped until it expires or the proxy stops, but it logged once
        Assert.True(await _running.WaitIdleAsync(TimeSpan.FromSeconds(5)));
        Assert.Single(_log.Lines);
    }

    [Fact]
    public async Task Socks5ServerGivesUpDuringHandshake_FlowLogsFailedAndTakesBackTheHeldDatagram()
    {
        // The server reads the greeting and closes instead of answering: the association never opens.
        await using var server = ScriptedServer.Start(Expect(3), Hold(), Close());
        var outbound = new Socks5Outbound(server.Destination, null, ProxyTestSupport.Options(), ProxyTestSupport.Logger);
        var table = new UdpFlowTable((app, _) => new Socks5UdpFlow(app, _tun, outbound, ProxyTestSupport.Logger) { OutboundName = outbound.Name },
            new UdpNatOptions { IdleTimeout = IdleTimeout }, _running, _log, _time);

        Assert.True(table.GetOrAdd(AppA, NatEndpoint.V4(0x0a010203, 53)).Send(NatEndpoint.V4(0x0a010203, 53), new byte[64])); // held while the handshake waits
        server.Release();

        await WaitUntilAsync(() => _log.Lines.Length == 1);
        var line = Assert.Single(_log.Lines);
        Assert.StartsWith($"udp 10.77.0.2:5000 -> 10.1.2.3:53 via {outbound.Name}: Failed (", line);
        Assert.EndsWith("), up 0 B in 0 datagrams, down 0 B in 0 datagrams, 0.000 s", line); // the held datagram never went
        table.Dispose();
    }

    /// <summary>A UDP remote on 127.0.0.1 that answers each datagram with its payload twice, until disposed (at most 30 s).</summary>
    private sealed class DoublingRemote : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
        private readonly Task _loop;

        public DoublingRemote()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Endpoint = NatEndpoint.FromIPEndPoint((IPEndPoint)_socket.LocalEndPoint!);
            _loop = AnswerAsync();
        }

        public NatEndpoint Endpoint { get; }

        private async Task AnswerAsync()
        {
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    var received = await _socket.ReceiveFromAsync(buffer.AsMemory(0, buffer.Length / 2), SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    buffer.AsSpan(0, received.ReceivedBytes).CopyTo(buffer.AsSpan(received.ReceivedBytes));
                    await _socket.SendToAsync(buffer.AsMemory(0, 2 * received.ReceivedBytes), SocketFlags.None, received.RemoteEndPoint, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _socket.Dispose();
            await _loop;
            _stop.Dispose();
        }
    }
}

using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Proxy;
using SharpTun.Proxy.Relay;

namespace SharpTun.Tests.Proxy;

/// <summary>
/// The relay between two loopback socket pairs, on its own event loop: app ⇄ [client | relay | remote] ⇄ server.
/// </summary>
public sealed class ConnectionRelayTests : IAsyncLifetime
{
    private readonly EventLoop _loop = new("relay test", TimeSpan.Zero, NullLogger.Instance);
    private Socket _app = null!;
    private Socket _relayClient = null!;
    private Socket _relayRemote = null!;
    private Socket _server = null!;

    public async Task InitializeAsync()
    {
        _loop.Start();
        (_app, _relayClient) = await ProxyTestSupport.SocketPairAsync();
        (_relayRemote, _server) = await ProxyTestSupport.SocketPairAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        _relayClient.Dispose();
        _relayRemote.Dispose();
        _server.Dispose();
        _loop.Dispose();
        return Task.CompletedTask;
    }

    private Task<RelayResult> StartRelay(ReadOnlyMemory<byte> remotePending = default, CancellationToken ct = default) =>
        ConnectionRelay.Start(_loop, new ProxyConnection(_relayClient), new ProxyConnection(_relayRemote, remotePending), ct).Completion;

    [Fact]
    public async Task Relay_ClientHalfCloses_ServerStillSendsFullAnswer()
    {
        var relay = StartRelay();
        var request = Pattern(100_000, 1);
        var answer = Pattern(300_000, 2);

        // The server reads the whole request (to the FIN the relay passed on), then answers.
        var serverSide = Task.Run(async () =>
        {
            var got = await ReadToEndAsync(_server);
            await SendAllAsync(_server, answer);
            _server.Shutdown(SocketShutdown.Send);
            return got;
        });
        await SendAllAsync(_app, request);
        _app.Shutdown(SocketShutdown.Send);
        var received = await ReadToEndAsync(_app);

        Assert.Equal(request, await serverSide.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(answer, received);
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new RelayResult(100_000, 300_000, RelaySide.Client, RelayCompletion.Normal), result);
    }

    [Fact]
    public async Task Relay_RemoteHalfClosesFirst_ClientStillDelivers()
    {
        var relay = StartRelay();

        await SendAllAsync(_server, "bye"u8.ToArray());
        _server.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye"u8.ToArray(), await ReadToEndAsync(_app));
        await SendAllAsync(_app, "late words"u8.ToArray());
        _app.Shutdown(SocketShutdown.Send);

        Assert.Equal("late words"u8.ToArray(), await ReadToEndAsync(_server));
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new RelayResult(10, 3, RelaySide.Remote, RelayCompletion.Normal), result);
    }

    [Fact]
    public async Task Relay_RemoteResets_ClientIsReset()
    {
        var relay = StartRelay();
        await SendAllAsync(_app, "x"u8.ToArray());
        Assert.Equal(1, await _server.ReceiveAsync(new byte[16], SocketFlags.None, ProxyTestSupport.Timeout()).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Abort(_server);

        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RelayCompletion.RemoteReset, result.Completion);
        Assert.Equal(RelaySide.Remote, result.FirstToFinish);
        Assert.Equal(1, result.BytesUp);
        var e = await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(_app));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task Relay_ClientResets_ServerIsReset()
    {
        var relay = StartRelay();
        await SendAllAsync(_server, "hello"u8.ToArray());
        Assert.Equal(5, await _app.ReceiveAsync(new byte[16], SocketFlags.None, ProxyTestSupport.Timeout()).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Abort(_app);

        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RelayCompletion.ClientReset, result.Completion);
        Assert.Equal(RelaySide.Client, result.FirstToFinish);
        Assert.Equal(5, result.BytesDown);
        var e = await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(_server));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task Relay_Canceled_ResetsBothSides()
    {
        using var cancel = new CancellationTokenSource();
        var relay = StartRelay(ct: cancel.Token);

        cancel.Cancel();

        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RelayCompletion.Canceled, result.Completion);
        await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(_app));
        await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(_server));
    }

    [Fact]
    public async Task Relay_RemotePendingBytes_DeliveredFirstAndCounted()
    {
        var relay = StartRelay("EARLY"u8.ToArray());

        await SendAllAsync(_server, "-late"u8.ToArray());
        _server.Shutdown(SocketShutdown.Send);
        _app.Shutdown(SocketShutdown.Send);

        Assert.Equal("EARLY-late"u8.ToArray(), await ReadToEndAsync(_app));
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(10, result.BytesDown);
        Assert.Equal(RelayCompletion.Normal, result.Completion);
    }

    [Fact]
    public async Task Relay_AppReadsLate_BackpressureHoldsTheRestAndDeliversAll()
    {
        var relay = StartRelay();
        var answer = Pattern(16 << 20, 3); // far more than the socket buffers hold: the relay must wait for EPOLLOUT
        var serverSide = Task.Run(async () =>
        {
            await SendAllAsync(_server, answer);
            _server.Shutdown(SocketShutdown.Send);
        });
        await Task.Delay(300); // the app does not read yet; the relay stops reading the server meanwhile
        _app.Shutdown(SocketShutdown.Send);

        Assert.Equal(answer, await ReadToEndAsync(_app));
        await serverSide.WaitAsync(TimeSpan.FromSeconds(10));
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new RelayResult(0, answer.Length, RelaySide.Client, RelayCompletion.Normal), result);
    }

    [Fact]
    public async Task Relay_BulkBurstThenSmallTail_TailArrivesWithoutMoreDataOrFin()
    {
        // The burst makes the direction a bulk transfer, whose source wakes the loop only for
        // ConnectionRelay.CoalescingBytes. The tail is far less and nothing follows it (no FIN
        // either): only the coalescing deadline can deliver it.
        var relay = StartRelay();
        var burst = Pattern(2 << 20, 7);
        var tail = Pattern(1_000, 8);
        await SendAllAsync(_server, burst);
        Assert.Equal(burst, await ReadExactlyAsync(_app, burst.Length));
        for (var round = 0; round < 3; round++)
        {
            await SendAllAsync(_server, tail);
            Assert.Equal(tail, await ReadExactlyAsync(_app, tail.Length));
            await SendAllAsync(_server, burst); // a new burst turns coalescing on again
            Assert.Equal(burst, await ReadExactlyAsync(_app, burst.Length));
        }
        _app.Shutdown(SocketShutdown.Send);
        _server.Shutdown(SocketShutdown.Send);
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4L * burst.Length + 3 * tail.Length, result.BytesDown);
    }

    [Fact]
    public async Task Relay_ServerAnswersAndClosesWithoutReading_AppGetsTheWholeAnswer()
    {
        var relay = StartRelay();
        var answer = Pattern(50_000, 4);
        await SendAllAsync(_app, Pattern(10_000, 5));
        await SendAllAsync(_server, answer);
        _server.Shutdown(SocketShutdown.Send);
        await Task.Delay(200);
        _server.Close(); // unread bytes in its receive queue: the kernel answers with an RST

        // The app goes on sending after the server is gone; that is dropped, and the answer is intact.
        await SendAllAsync(_app, Pattern(100_000, 6));
        _app.Shutdown(SocketShutdown.Send);
        Assert.Equal(answer, await ReadToEndAsync(_app));
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RelayCompletion.Normal, result.Completion);
        Assert.Equal(answer.Length, result.BytesDown);
    }

    [Fact]
    public async Task Relay_ManyFlowsOnOneLoop_EachEchoesItsOwnBytes()
    {
        const int Flows = 40;
        var pairs = new List<Socket>();
        try
        {
            var echoes = new List<Task>();
            var relays = new List<Task<RelayResult>>();
            for (var i = 0; i < Flows; i++)
            {
                var (app, client) = await ProxyTestSupport.SocketPairAsync();
                var (remote, server) = await ProxyTestSupport.SocketPairAsync();
                pairs.AddRange([app, client, remote, server]);
                relays.Add(ConnectionRelay.Start(_loop, new ProxyConnection(client), new ProxyConnection(remote), default).Completion);
                echoes.Add(Task.Run(async () =>
                {
                    var got = await ReadToEndAsync(server);
                    await SendAllAsync(server, got);
                    server.Shutdown(SocketShutdown.Send);
                }));
            }
            var checks = Enumerable.Range(0, Flows).Select(i => Task.Run(async () =>
            {
                var app = pairs[i * 4];
                var data = Pattern(20_000 + i * 1_000, 100 + i);
                await SendAllAsync(app, data);
                app.Shutdown(SocketShutdown.Send);
                Assert.Equal(data, await ReadToEndAsync(app));
            }));
            await Task.WhenAll(checks).WaitAsync(TimeSpan.FromSeconds(30));
            await Task.WhenAll(echoes).WaitAsync(TimeSpan.FromSeconds(10));
            var results = await Task.WhenAll(relays).WaitAsync(TimeSpan.FromSeconds(10));
            for (var i = 0; i < Flows; i++)
                Assert.Equal(new RelayResult(20_000 + i * 1_000, 20_000 + i * 1_000, RelaySide.Client, RelayCompletion.Normal), results[i]);
        }
        finally
        {
            foreach (var socket in pairs)
                socket.Dispose();
        }
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void Abort(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task SendAllAsync(Socket socket, byte[] data)
    {
        for (var sent = 0; sent < data.Length;)
            sent += await socket.SendAsync(data.AsMemory(sent), SocketFlags.None, ProxyTestSupport.Timeout());
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        var ct = ProxyTestSupport.Timeout();
        var buffer = new byte[length];
        for (var read = 0; read < length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            Assert.True(n > 0, $"the stream ended after {read} of {length} bytes");
            read += n;
        }
        return buffer;
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var ct = ProxyTestSupport.Timeout();
        var result = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            result.Write(buffer, 0, n);
        return result.ToArray();
    }
}

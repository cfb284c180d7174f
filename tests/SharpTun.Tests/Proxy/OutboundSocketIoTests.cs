using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Tests.Proxy;

public sealed class OutboundSocketIoTests
{
    [Fact]
    public async Task ConnectSendReceive_RoundTrip()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await OutboundSocketIo.ConnectAsync(socket, listener.LocalEndPoint!, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        using var server = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(5));

        var receive = OutboundSocketIo.ReceiveAsync(socket, new byte[16], CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(receive.IsCompleted); // nothing sent yet: it waits on the loop
        server.Send("pong"u8);
        Assert.Equal(4, await receive.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(4, await OutboundSocketIo.SendAsync(socket, "ping"u8.ToArray(), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        var got = new byte[4];
        Assert.Equal(4, server.Receive(got));
        Assert.Equal("ping"u8.ToArray(), got);
    }

    [Fact]
    public async Task Connect_NobodyListening_ThrowsConnectionRefused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // a port that is bound but not listening
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        var e = await Assert.ThrowsAsync<SocketException>(() => OutboundSocketIo.ConnectAsync(socket, probe.LocalEndPoint!, CancellationToken.None).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task Receive_Cancelled_ThrowsOperationCanceled_AndTheSocketStillWorks()
    {
        var (a, b) = await ProxyTestSupport.SocketPairAsync();
        using var _ = a;
        using var __ = b;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OutboundSocketIo.ReceiveAsync(a, new byte[16], cancel.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));

        b.Send("late"u8);
        Assert.Equal(4, await OutboundSocketIo.ReceiveAsync(a, new byte[16], CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }
}

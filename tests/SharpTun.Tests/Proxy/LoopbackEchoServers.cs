using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;

namespace SharpTun.Tests.Proxy;

/// <summary>
/// A TCP echo (each connection echoed until the client finishes sending) and a UDP echo, both on
/// 127.0.0.1, running until disposed (at most 30 s).
/// </summary>
internal sealed class LoopbackEchoServers : IAsyncDisposable
{
    private readonly TcpListener _tcp = new(IPAddress.Loopback, 0);
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private readonly Task _tcpLoop;
    private readonly Task _udpLoop;

    public LoopbackEchoServers()
    {
        _tcp.Start();
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _tcpLoop = TcpLoopAsync();
        _udpLoop = UdpLoopAsync();
    }

    public ProxyDestination Tcp => ProxyDestination.FromEndPoint((IPEndPoint)_tcp.LocalEndpoint);

    public ProxyDestination Udp => ProxyDestination.FromEndPoint((IPEndPoint)_udp.LocalEndPoint!);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _tcp.Stop();
        _udp.Dispose();
        await Task.WhenAll(_tcpLoop, _udpLoop);
        _stop.Dispose();
    }

    private async Task TcpLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _tcp.AcceptSocketAsync(_stop.Token);
                connections.Add(EchoAsync(socket));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
        await Task.WhenAll(connections);
    }

    private async Task EchoAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var buffer = new byte[16384];
                int n;
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                    await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // The client reset or the test ended.
            }
        }
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                await _udp.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, received.RemoteEndPoint, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}

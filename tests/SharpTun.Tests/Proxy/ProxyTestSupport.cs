using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Tests.Proxy;

/// <summary>Small helpers shared by the proxy tests.</summary>
internal static class ProxyTestSupport
{
    /// <summary>Options with a short timeout, so a hanging peer fails a test quickly.</summary>
    public static OutboundOptions Options(double timeoutSeconds = 3) => new() { ConnectTimeout = TimeSpan.FromSeconds(timeoutSeconds) };

    public static NullLogger Logger => NullLogger.Instance;

    /// <summary>A bounded token for a test's own awaits.</summary>
    public static CancellationToken Timeout(double seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>Sends <paramref name="data"/>, finishes sending, and reads everything the peer sends back until it finishes.</summary>
    public static async Task<byte[]> RoundTripAsync(ProxyConnection connection, byte[] data)
    {
        var ct = Timeout();
        await connection.SendAsync(data, ct);
        connection.Socket.Shutdown(SocketShutdown.Send);
        return await ReadToEndAsync(connection, ct);
    }

    public static async Task<byte[]> ReadToEndAsync(ProxyConnection connection, CancellationToken ct)
    {
        var result = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await connection.ReceiveAsync(buffer, ct)) > 0)
            result.Write(buffer, 0, n);
        return result.ToArray();
    }

    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Connected TCP socket pair over loopback: (connecting side, accepted side).</summary>
    public static async Task<(Socket Connector, Socket Accepted)> SocketPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var connector = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await connector.ConnectAsync(listener.LocalEndPoint!);
        return (connector, await accept.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}

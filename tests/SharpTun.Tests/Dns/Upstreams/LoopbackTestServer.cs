using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// The part the DNS test servers share: a TCP listener on 127.0.0.1 at a free port, an accept loop
/// handing each connection to <see cref="ServeAsync"/>, and a dispose that stops accepting and
/// waits for every connection. Everything stops after 60 s at most, so a broken test cannot hang.
/// </summary>
internal abstract class LoopbackTestServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly List<Task> _connections = [];
    private Task _accepting = Task.CompletedTask;
    private int _connectionCount;

    protected LoopbackTestServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
    }

    public ProxyDestination Destination => ProxyDestination.FromEndPoint((IPEndPoint)_listener.LocalEndPoint!);

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connectionCount);

    /// <summary>Cancelled when the server is disposed (or after 60 s).</summary>
    protected CancellationToken Stopping => _stop.Token;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections)
            connections = [.. _connections];
        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    /// <summary>Starts accepting; the derived constructor calls it last, once its own fields are set.</summary>
    protected void Start() => _accepting = AcceptLoopAsync();

    /// <summary>Serves one accepted connection until it ends or <see cref="Stopping"/>; owns the socket.</summary>
    protected abstract Task ServeAsync(Socket client);

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connectionCount);
            lock (_connections)
                _connections.Add(ServeAsync(client));
        }
    }
}

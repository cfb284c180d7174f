using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SharpTun.Tun;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// WireGuard messages over TCP, for networks that block UDP (issue 5's <c>Transport = tcp</c>, both
/// ends): each message is framed with a 2-byte big-endian length, as OpenVPN frames packets over
/// TCP. Listens on the local port; a send to an endpoint without a connection dials it (holding a
/// few messages until it connects) and dials again after the connection drops. Replies to a peer
/// that dialed in go back over its connection. Unlike <see cref="UdpTransport"/>, this transport
/// copies each message through pooled arrays and a queue; it is for reachability, not speed.
/// </summary>
public sealed class TcpTransport : IWireGuardTransport
{
    /// <summary>Messages held for an endpoint while its connection is being made.</summary>
    public const int MaxPendingPerConnection = 16;

    /// <summary>Messages received and not yet taken by <see cref="Receive"/>; more are dropped, as a full UDP socket would.</summary>
    public const int ReceiveQueueCapacity = 4096;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly int _fwmark;
    private readonly ConcurrentDictionary<WireGuardEndpoint, TcpConnection> _connections = new();
    // Messages travel from the connections' readers (thread pool) to the device's receive thread.
    // The receive thread sleeps on an event that does not spin: BlockingCollection's semaphore spins
    // and yields before it blocks, which took a third of this transport's CPU under iperf3 on two
    // cores (docs/benchmarks.md, "VPN").
    private readonly ConcurrentQueue<(byte[] Buffer, int Length, WireGuardEndpoint Source)> _received = new();
    private readonly ManualResetEventSlim _receivedSignal = new(false, spinCount: 0);
    private int _receivedCount;
    private readonly CancellationTokenSource _closing = new();
    private readonly Lock _dialLock = new();

    private TcpTransport(Socket listener, int fwmark)
    {
        _listener = listener;
        _fwmark = fwmark;
        LocalPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _ = AcceptLoop();
    }

    public int LocalPort { get; }

    /// <summary>Connections open now (dialed or accepted).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Listens on TCP <paramref name="port"/> (0: any free port) on all addresses, IPv4 and IPv6.
    /// <paramref name="fwmark"/> marks the listener and every dialed connection (SO_MARK).
    /// </summary>
    public static TcpTransport Open(int port, int fwmark = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var listener = NewSocket(fwmark);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            listener.Listen(64);
            return new TcpTransport(listener, fwmark);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            listener.Dispose();
            throw new InvalidOperationException($"cannot listen on TCP port {port}: it is already in use; choose another ListenPort", e);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public int Receive(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        if (datagrams.IsEmpty || sources.Length < datagrams.Length)
            throw new ArgumentException("Receive needs at least one buffer and a source slot for each");
        try
        {
            while (true)
            {
                var count = 0;
                while (count < datagrams.Length && _received.TryDequeue(out var item))
                {
                    Interlocked.Decrement(ref _receivedCount);
                    var target = datagrams[count];
                    if (item.Length <= target.ReadSpace.Length)
                    {
                        item.Buffer.AsSpan(0, item.Length).CopyTo(target.ReadSpace);
                        target.Offset = target.Headroom;
                        target.Length = item.Length;
                        sources[count++] = item.Source;
                    }
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
                if (count > 0)
                    return count;
                // Reset, then look again: a message queued in between is seen now or sets the signal after the reset.
                _receivedSignal.Reset();
                if (_received.IsEmpty)
                    _receivedSignal.Wait(_closing.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return 0;
        }
    }

    public void Send(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        if (destinations.Length < datagrams.Length)
            throw new ArgumentException("Send needs a destination for each datagram");
        for (var i = 0; i < datagrams.Length && !_closing.IsCancellationRequested; i++)
        {
            if (datagrams[i].Length is 0 or > ushort.MaxValue)
                continue;
            if (!_connections.TryGetValue(destinations[i], out var connection))
                connection = Dial(destinations[i]);
            connection.Send(datagrams[i].Packet);
        }
    }

    public void Close()
    {
        if (_closing.IsCancellationRequested)
            return;
        _closing.Cancel();
        _listener.Dispose();
        foreach (var connection in _connections.Values)
            connection.Dispose();
    }

    public void Dispose()
    {
        Close();
        while (_received.TryDequeue(out var item))
            ArrayPool<byte>.Shared.Return(item.Buffer);
        _receivedSignal.Dispose();
    }

    /// <summary>Called by a connection's reader for each complete message.</summary>
    internal void Deliver(ReadOnlySpan<byte> message, WireGuardEndpoint source)
    {
        if (_closing.IsCancellationRequested)
            return;
        if (Interlocked.Increment(ref _receivedCount) > ReceiveQueueCapacity)
        {
            Interlocked.Decrement(ref _receivedCount);
            return;
        }
        var copy = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(copy);
        _received.Enqueue((copy, message.Length, source));
        _receivedSignal.Set();
    }

    /// <summary>Called by a connection when it ends, so that the next send dials again.</summary>
    internal void Forget(TcpConnection connection) =>
        _connections.TryRemove(new KeyValuePair<WireGuardEndpoint, TcpConnection>(connection.Remote, connection));

    /// <summary>The connection to <paramref name="endpoint"/>, dialing it when there is none (registered before it connects, so a quick failure is forgotten again).</summary>
    private TcpConnection Dial(WireGuardEndpoint endpoint)
    {
        TcpConnection connection;
        lock (_dialLock)
        {
            if (_connections.TryGetValue(endpoint, out var existing))
                return existing;
            connection = new TcpConnection(this, NewSocket(_fwmark), endpoint, connected: false);
            _connections[endpoint] = connection;
        }
        _ = connection.ConnectAndRead(endpoint.ToIPEndPoint(), ConnectTimeout, _closing.Token);
        return connection;
    }

    private async Task AcceptLoop()
    {
        while (!_closing.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_closing.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_closing.IsCancellationRequested)
                    return;
                continue;
            }
            socket.NoDelay = true;
            socket.SendTimeout = 5000;
            var remote = WireGuardEndpoint.From((IPEndPoint)socket.RemoteEndPoint!);
            var connection = new TcpConnection(this, socket, remote, connected: true);
            // A peer that dials in again from the same address and port replaces its old connection.
            TcpConnection? old;
            lock (_dialLock)
            {
                _connections.TryGetValue(remote, out old);
                _connections[remote] = connection;
            }
            old?.Dispose();
            _ = connection.ReadLoop(_closing.Token);
        }
    }

    private static Socket NewSocket(int fwmark)
    {
        // A peer that stops reading must not block our sender for ever: a send that waits longer fails and drops the connection.
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true, NoDelay = true, SendTimeout = 5000 };
        if (fwmark != 0)
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(value, fwmark);
            try
            {
                socket.SetRawSocketOption(1, 36, value);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new InvalidOperationException($"cannot set fwmark 0x{fwmark:x} on the WireGuard TCP socket (SO_MARK): {e.Message}; run as root or grant CAP_NET_ADMIN", e);
            }
        }
        return socket;
    }
}

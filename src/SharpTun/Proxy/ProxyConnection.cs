using System.Net.Sockets;

namespace SharpTun.Proxy;

/// <summary>
/// A connected TCP socket plus any bytes that already arrived from it while a proxy handshake was
/// read (an HTTP proxy may send the first tunnelled bytes in the same segment as its "200"). Reads
/// through <see cref="ReceiveAsync"/> or <see cref="Stream"/> yield those bytes first. Owns the
/// socket: disposing closes it. One reader and one writer may use it concurrently.
/// </summary>
public sealed class ProxyConnection : IDisposable
{
    private ReadOnlyMemory<byte> _pending;
    private Stream? _stream;

    /// <summary>Wraps a connected socket, with bytes already read from it (empty for none).</summary>
    public ProxyConnection(Socket socket, ReadOnlyMemory<byte> pending = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
        _pending = pending;
    }

    /// <summary>The socket, for half-close (<see cref="Socket.Shutdown"/>) and options. Read through this object, not the socket, or pending bytes are skipped.</summary>
    public Socket Socket { get; }

    /// <summary>Bytes received before the caller's first read that have not been read yet.</summary>
    public int PendingLength => _pending.Length;

    /// <summary>Takes the bytes received before the caller's first read (for a reader that reads the socket itself).</summary>
    public ReadOnlyMemory<byte> TakePending()
    {
        var pending = _pending;
        _pending = default;
        return pending;
    }

    /// <summary>A stream over the connection that yields pending bytes first; it does not close the socket.</summary>
    public Stream Stream => _stream ??= new ProxyConnectionStream(this);

    /// <summary>
    /// Receives into <paramref name="buffer"/>: pending bytes first, then from the socket. Returns 0
    /// at end of stream. A zero-length buffer waits until data is available without consuming it.
    /// Socket failures throw <see cref="SocketException"/> as <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/> does.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct)
    {
        if (_pending.IsEmpty)
            return Socket.ReceiveAsync(buffer, SocketFlags.None, ct);
        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return ValueTask.FromResult(count);
    }

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var sent = await Socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Closes with a TCP RST instead of a FIN (SO_LINGER with a zero timeout), to pass a reset on.</summary>
    public void Abort()
    {
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset or shut down: closing below is all that is left to do.
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        Socket.Dispose();
    }

    /// <summary>Closes the socket (FIN).</summary>
    public void Dispose() => Socket.Dispose();
}

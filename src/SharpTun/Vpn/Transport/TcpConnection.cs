using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// One TCP connection of a <see cref="TcpTransport"/>: writes length-prefixed messages (holding a
/// few while it connects) and reads them back out of the byte stream. A malformed frame (length 0)
/// or any socket error ends the connection; the transport dials again on the next send.
/// </summary>
internal sealed class TcpConnection : IDisposable
{
    private const int FrameHeaderLength = 2;

    private readonly TcpTransport _owner;
    private readonly Socket _socket;
    private readonly Lock _sendLock = new();
    private readonly byte[] _frame = new byte[FrameHeaderLength + ushort.MaxValue];
    private readonly Queue<byte[]> _pending = new();
    private bool _connected;
    private int _disposed;

    public TcpConnection(TcpTransport owner, Socket socket, WireGuardEndpoint remote, bool connected)
    {
        _owner = owner;
        _socket = socket;
        Remote = remote;
        _connected = connected;
    }

    public WireGuardEndpoint Remote { get; }

    /// <summary>Writes one framed message; while connecting, holds it (the oldest is dropped beyond the limit).</summary>
    public void Send(ReadOnlySpan<byte> message)
    {
        lock (_sendLock)
        {
            if (Volatile.Read(ref _disposed) != 0)
                return;
            if (!_connected)
            {
                _pending.Enqueue(message.ToArray());
                if (_pending.Count > TcpTransport.MaxPendingPerConnection)
                    _pending.Dequeue();
                return;
            }
            Write(message);
        }
    }

    public async Task ConnectAndRead(IPEndPoint endpoint, TimeSpan timeout, CancellationToken closing)
    {
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(closing))
        {
            deadline.CancelAfter(timeout);
            try
            {
                await _socket.ConnectAsync(endpoint, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Dispose();
                return;
            }
        }
        lock (_sendLock)
        {
            _connected = true;
            while (_pending.TryDequeue(out var message) && Volatile.Read(ref _disposed) == 0)
                Write(message);
        }
        await ReadLoop(closing).ConfigureAwait(false);
    }

    /// <summary>Reads frames until the stream ends or breaks.</summary>
    public async Task ReadLoop(CancellationToken closing)
    {
        var buffer = new byte[2 * (FrameHeaderLength + ushort.MaxValue)];
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, closing).ConfigureAwait(false);
                if (read == 0)
                    break;
                filled += read;
                var consumed = 0;
                while (filled - consumed >= FrameHeaderLength)
                {
                    var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(consumed));
                    if (length == 0)
                        return;
                    if (filled - consumed < FrameHeaderLength + length)
                        break;
                    _owner.Deliver(buffer.AsSpan(consumed + FrameHeaderLength, length), Remote);
                    consumed += FrameHeaderLength + length;
                }
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection broke or the transport closed: either way it ends here.
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _owner.Forget(this);
        _socket.Dispose();
    }

    /// <summary>One send of prefix and message together (so frames never interleave); a broken connection ends.</summary>
    private void Write(ReadOnlySpan<byte> message)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_frame, (ushort)message.Length);
        message.CopyTo(_frame.AsSpan(FrameHeaderLength));
        try
        {
            _socket.Send(_frame.AsSpan(0, FrameHeaderLength + message.Length));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Dispose();
        }
    }
}

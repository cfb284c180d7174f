using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>
/// An open SOCKS5 UDP association (RFC 1928 §7): a UDP socket connected to the server's relay, plus
/// the TCP control connection that keeps the association alive. "A UDP association terminates when
/// the TCP connection that the UDP ASSOCIATE request arrived on terminates": when the server closes
/// it, <see cref="IsClosed"/> turns true and receives end; disposing closes it on our side.
/// One sender and one receiver may use it concurrently. Sending copies the payload once behind a
/// header written in place; receiving parses in place; neither allocates per datagram except for a
/// source address not seen in the previous datagram.
/// </summary>
public sealed class Socks5UdpAssociation : IAsyncDisposable
{
    /// <summary>Largest payload <see cref="SendAsync"/> takes: what fits in one UDP datagram.</summary>
    public const int MaxPayloadLength = ushort.MaxValue;

    private readonly Socket _control;
    private readonly Socket _udp;
    private readonly byte[] _sendBuffer;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _watch;
    private IPAddress? _lastSource;
    private long _dropped;
    private int _disposed;

    internal Socks5UdpAssociation(Socket control, Socket udp, IPEndPoint relay)
    {
        _control = control;
        _udp = udp;
        RelayEndPoint = relay;
        _sendBuffer = ArrayPool<byte>.Shared.Rent(Socks5UdpHeader.MaxLength + MaxPayloadLength);
        _watch = WatchControlAsync();
    }

    /// <summary>Where datagrams go: the server's UDP relay.</summary>
    public IPEndPoint RelayEndPoint { get; }

    /// <summary>True once the control connection has closed (either side), the relay went away, or the association was disposed.</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Datagrams from the relay dropped as malformed or fragmented (FRAG ≠ 0).</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="destination"/> through the relay. Returns
    /// false, without throwing, when the association has ended or the relay cannot be reached.
    /// </summary>
    public async ValueTask<bool> SendAsync(ProxyDestination destination, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength);
        if (IsClosed)
            return false;
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (IsClosed)
                return false;
            // Payload after MaxLength bytes of headroom, header written right in front of it.
            payload.Span.CopyTo(_sendBuffer.AsSpan(Socks5UdpHeader.MaxLength));
            var start = Socks5UdpHeader.WriteBefore(_sendBuffer, Socks5UdpHeader.MaxLength, destination);
            await _udp.SendAsync(_sendBuffer.AsMemory(start, Socks5UdpHeader.MaxLength - start + payload.Length), SocketFlags.None, ct).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            // ICMP unreachable from the relay (ConnectionRefused) or a local error: the datagram is lost, as UDP allows.
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="destination"/> through the relay without
    /// an async state machine, for a caller that must not wait (a TUN reader): false, without
    /// throwing, when the association has ended or the datagram could not be sent. Allocates nothing.
    /// </summary>
    public bool Send(in ProxyDestination destination, ReadOnlySpan<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength);
        if (IsClosed)
            return false;
        _sendLock.Wait();
        try
        {
            if (IsClosed)
                return false;
            payload.CopyTo(_sendBuffer.AsSpan(Socks5UdpHeader.MaxLength));
            var start = Socks5UdpHeader.WriteBefore(_sendBuffer, Socks5UdpHeader.MaxLength, destination);
            var length = Socks5UdpHeader.MaxLength - start + payload.Length;
            return _udp.Send(_sendBuffer.AsSpan(start, length), SocketFlags.None) == length;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // as in SendAsync: the datagram is lost, as UDP allows
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Receives the next datagram from the relay into <paramref name="buffer"/>; the payload is moved
    /// to the start of the buffer. Malformed and fragmented datagrams are dropped (and counted).
    /// Returns <see cref="Socks5UdpReceiveResult.Closed"/> once the association has ended. A buffer
    /// smaller than header plus payload truncates the datagram, as any UDP receive does.
    /// A datagram already queued is read without an async state machine, so a busy association
    /// receives without allocating (in any build configuration); only a wait goes asynchronous.
    /// </summary>
    public ValueTask<Socks5UdpReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken ct)
    {
        while (!IsClosed)
        {
            ValueTask<int> receiving;
            try
            {
                receiving = _udp.ReceiveAsync(buffer, SocketFlags.None, ct);
            }
            catch (ObjectDisposedException)
            {
                return ValueTask.FromResult(Socks5UdpReceiveResult.Closed);
            }
            if (!receiving.IsCompletedSuccessfully)
                return ReceiveSlowAsync(receiving, buffer, ct);
            if (TryAccept(buffer.Span, receiving.Result, out var result))
                return ValueTask.FromResult(result);
        }
        return ValueTask.FromResult(Socks5UdpReceiveResult.Closed);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Socks5UdpReceiveResult> ReceiveSlowAsync(ValueTask<int> receiving, Memory<byte> buffer, CancellationToken ct)
    {
        int count;
        try
        {
            count = await receiving.ConfigureAwait(false);
        }
        catch (SocketException) when (!ct.IsCancellationRequested)
        {
            // Our Close() disposed the socket (OperationAborted), or the relay is gone (ICMP port
            // unreachable, ConnectionRefused): either way the association is over.
            Close();
            return Socks5UdpReceiveResult.Closed;
        }
        catch (ObjectDisposedException)
        {
            return Socks5UdpReceiveResult.Closed;
        }
        return TryAccept(buffer.Span, count, out var result) ? result : await ReceiveAsync(buffer, ct).ConfigureAwait(false);
    }

    /// <summary>Parses a received datagram and moves its payload to the start; false (counted) for one to drop.</summary>
    private bool TryAccept(Span<byte> buffer, int count, out Socks5UdpReceiveResult result)
    {
        if (!Socks5UdpHeader.TryParse(buffer[..count], out var header) || header.Fragment != 0)
        {
            // RFC 1928 §7 lets a client drop fragments instead of reassembling them; we do.
            Interlocked.Increment(ref _dropped);
            result = default;
            return false;
        }
        var source = SourceOf(header);
        var length = count - header.Length;
        buffer.Slice(header.Length, length).CopyTo(buffer);
        result = new Socks5UdpReceiveResult(source, length, false);
        return true;
    }

    /// <summary>Closes the control connection (ending the association at the server) and the UDP socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Close();
        await _watch.ConfigureAwait(false);
        // Wait out a send in progress; later senders see IsClosed and never touch the buffer.
        await _sendLock.WaitAsync().ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(_sendBuffer);
        _sendLock.Release();
    }

    /// <summary>The source of a parsed datagram, reusing the previous address object when the bytes match.</summary>
    private ProxyDestination SourceOf(Socks5UdpHeader header)
    {
        if (header.AddressType == Socks5AddressType.DomainName)
            return header.ToDestination();
        Span<byte> last = stackalloc byte[16];
        if (_lastSource is null || !_lastSource.TryWriteBytes(last, out var written) || !last[..written].SequenceEqual(header.Address))
            _lastSource = new IPAddress(header.Address);
        return ProxyDestination.FromAddress(_lastSource, header.Port);
    }

    /// <summary>
    /// Waits on the control connection: the server sends nothing on it after the reply, so any end of
    /// it (FIN, RST, our own close) ends the association. Stray bytes are read and ignored.
    /// </summary>
    private async Task WatchControlAsync()
    {
        var scratch = new byte[64];
        try
        {
            while (await _control.ReceiveAsync(scratch, SocketFlags.None, _closed.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset, or our own Close(): either way the association is over.
        }
        Close();
    }

    private void Close()
    {
        _closed.Cancel();
        // Disposing aborts a pending receive (OperationAborted) and the watch on the control connection.
        _control.Dispose();
        _udp.Dispose();
    }
}

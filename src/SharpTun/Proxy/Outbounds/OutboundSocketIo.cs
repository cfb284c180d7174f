using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Interop;
using SharpTun.Proxy.Relay;

namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// Connect, send and receive for opening outbound connections (the connect and the proxy
/// handshake) that keep the socket out of .NET's own epoll engine. The runtime registers a socket
/// with its engine (edge-triggered, for good) at its first async operation, and from then on wakes
/// its epoll thread at every byte that arrives, even when nobody waits: for a relayed flow that is
/// a second thread woken next to the relay's loop per message, about 6 us more per message through
/// the proxy here (docs/benchmarks.md, "Proxy latency"). These calls use non-blocking system calls
/// and, when one would block, wait for readiness on a shared <see cref="EventLoop"/> instead.
/// Failures throw <see cref="SocketException"/> and cancellation <see cref="OperationCanceledException"/>,
/// as the Socket methods they replace do.
/// </summary>
internal static class OutboundSocketIo
{
    private static readonly Lazy<EventLoop> Waits = new(() =>
    {
        var loop = new EventLoop("outbound socket waits", TimeSpan.Zero, NullLogger.Instance);
        loop.Start();
        return loop;
    });

    /// <summary>Connects <paramref name="socket"/> (made non-blocking) to <paramref name="endPoint"/>.</summary>
    public static async ValueTask ConnectAsync(Socket socket, EndPoint endPoint, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // Connecting: the socket turns writable when it is done, either way (connect(2), EINPROGRESS).
        }
        await WaitAsync(socket, Libc.EPOLLOUT, ct).ConfigureAwait(false);
        var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != SocketError.Success)
            throw new SocketException((int)error);
    }

    /// <summary>Sends some of <paramref name="data"/> (the socket is made non-blocking), waiting until the socket takes at least one byte; returns how many it took.</summary>
    public static async ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (socket.Blocking)
            socket.Blocking = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var sent = socket.Send(data.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success)
                return sent;
            if (error != SocketError.WouldBlock)
                throw new SocketException((int)error);
            await WaitAsync(socket, Libc.EPOLLOUT, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Receives into <paramref name="buffer"/> (the socket is made non-blocking), waiting until something arrives; returns the count, 0 at end of stream.</summary>
    public static async ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        if (socket.Blocking)
            socket.Blocking = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var count = socket.Receive(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success)
                return count;
            if (error != SocketError.WouldBlock)
                throw new SocketException((int)error);
            await WaitAsync(socket, Libc.EPOLLIN, ct).ConfigureAwait(false);
        }
    }

    private static Task WaitAsync(Socket socket, uint events, CancellationToken ct) => new ReadinessWait(Waits.Value, socket, events, ct).Task;

    /// <summary>One wait for a socket to turn ready: registered on the loop until the first event, or until cancelled.</summary>
    private sealed class ReadinessWait : IReadinessHandler
    {
        private readonly EventLoop _loop;
        private readonly Socket _socket;
        private readonly uint _events;
        private readonly CancellationToken _ct;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _cancellation;
        private int _token = -1;

        public ReadinessWait(EventLoop loop, Socket socket, uint events, CancellationToken ct)
        {
            _loop = loop;
            _socket = socket;
            _events = events;
            _ct = ct;
            // Registered first: a cancellation that comes at once is then posted before Begin, which sees the wait done.
            _cancellation = ct.UnsafeRegister(static s => ((ReadinessWait)s!).Cancel(), this);
            loop.Post(static s => ((ReadinessWait)s!).Begin(), this);
        }

        public Task Task => _done.Task;

        public void OnReady(uint events) => End(canceled: false);

        private void Begin()
        {
            if (_done.Task.IsCompleted)
                return;
            try
            {
                _token = _loop.Register(_socket.SafeHandle, _events, this);
            }
            catch (InteropException)
            {
                _done.TrySetException(new SocketException((int)SocketError.NoBufferSpaceAvailable)); // epoll is out of room (fs.epoll.max_user_watches)
            }
            catch (ObjectDisposedException e)
            {
                _done.TrySetException(e);
            }
        }

        private void Cancel() => _loop.Post(static s => ((ReadinessWait)s!).End(canceled: true), this);

        /// <summary>On the loop: stops watching the socket, then completes the wait.</summary>
        private void End(bool canceled)
        {
            if (_token >= 0)
            {
                try
                {
                    _loop.Unregister(_socket.SafeHandle, _token);
                }
                catch (Exception e) when (e is InteropException or ObjectDisposedException)
                {
                    // The socket was closed meanwhile, which took it out of the epoll set.
                }
                _token = -1;
            }
            _cancellation.Dispose();
            if (canceled)
                _done.TrySetCanceled(_ct);
            else
                _done.TrySetResult();
        }
    }
}

using System.Net.Sockets;
using SharpTun.Interop;
using static SharpTun.Host.Processes.SockDiagConstants;

namespace SharpTun.Host.Processes;

/// <summary>
/// A NETLINK_SOCK_DIAG socket that finds one TCP or UDP socket by its ends. It sees the sockets of
/// the network namespace of the thread that opened it, whichever thread uses it later. The kernel
/// answers while the request is being sent, so a query costs one send and one receive and never
/// waits. Thread-safe (queries are serialized).
/// </summary>
internal sealed class SockDiagSocket : IDisposable
{
    // Large enough for any datagram the kernel sends on this socket (dump batches are at most 32 KiB).
    private const int ReceiveBufferSize = 64 * 1024;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[ReceiveBufferSize];
    private readonly Lock _lock = new();
    private uint _sequence;

    private SockDiagSocket(Socket socket) => _socket = socket;

    /// <summary>Opens the socket in the calling thread's network namespace; a failure throws <see cref="InteropException"/>.</summary>
    public static SockDiagSocket Open()
    {
        var fd = Errno.ThrowIfFailed(
            Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_SOCK_DIAG),
            "socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            socket.ReceiveTimeout = (int)ReplyTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)ReplyTimeout.TotalMilliseconds;
            return new SockDiagSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Finds the socket that owns the local end of a flow (addresses as <see cref="SocketAddressKey"/>,
    /// both IPv4 or both IPv6) with one exact lookup. False when there is none, when the match is a
    /// listener or a socket without an inode (TIME_WAIT, a half-open request), or on any error:
    /// a missing socket is an answer, not a failure.
    /// </summary>
    public bool TryFind(byte protocol, UInt128 localAddress, ushort localPort, UInt128 remoteAddress, ushort remotePort, out InetDiagMessage socket)
    {
        socket = default;
        var family = SocketAddressKey.IsIPv4(localAddress) && SocketAddressKey.IsIPv4(remoteAddress) ? AF_INET : AF_INET6;
        Span<byte> buffer = stackalloc byte[SockDiagRequest.Size];
        lock (_lock)
        {
            var sequence = ++_sequence;
            var request = SockDiagRequest.WriteExact(buffer, sequence, family, protocol, localAddress, localPort, remoteAddress, remotePort);
            if (!TryExchange(request, sequence, out var kind, out var message))
                return false;
            if (kind != SockDiagReplyKind.Socket || message.Inode == 0 || message.State == TCP_LISTEN && protocol == IPPROTO_TCP)
                return false;
            socket = message;
            return true;
        }
    }

    /// <summary>Sends <paramref name="request"/> and reads until the first message of its sequence.</summary>
    private bool TryExchange(ReadOnlySpan<byte> request, uint sequence, out SockDiagReplyKind kind, out InetDiagMessage message)
    {
        kind = SockDiagReplyKind.Malformed;
        message = default;
        try
        {
            _socket.Send(request);
            while (true)
            {
                var received = _socket.Receive(_receive);
                var reader = new SockDiagReplyReader(_receive.AsSpan(0, received), sequence);
                if (reader.TryNext(out kind, out message, out _))
                    return true;
                // Only replies to an earlier request that timed out: read on.
            }
        }
        catch (SocketException)
        {
            // A timeout, ENOBUFS after the receive queue overflowed, or a closed socket: unknown.
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}

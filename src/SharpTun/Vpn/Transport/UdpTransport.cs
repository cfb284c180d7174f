using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpTun.Interop;
using SharpTun.Tun;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// WireGuard over one UDP socket: dual-stack IPv6 (IPv4 peers appear as ::ffff:a.b.c.d), or IPv4
/// only where the kernel has no IPv6. Datagrams move in batches with recvmmsg/sendmmsg, one
/// system call per batch. The socket belongs to the network namespace of the thread that opens it.
/// </summary>
public sealed unsafe class UdpTransport : IWireGuardTransport
{
    /// <summary>The most datagrams one system call moves.</summary>
    public const int MaxBatch = 64;

    /// <summary>Default socket buffer: bursts of a fast sender must not overflow the receive queue (LINUX-NOTES: the VPN peers measured here lose most of their throughput that way).</summary>
    public const int DefaultBufferBytes = 8 << 20;

    private const int SOL_SOCKET = 1, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_MARK = 36;
    private const int ECONNREFUSED = 111;

    private readonly Socket _socket;
    private readonly FileDescriptorHandle _wakeup;
    private readonly bool _dualStack;
    private int _closed;

    private UdpTransport(Socket socket, FileDescriptorHandle wakeup, bool dualStack)
    {
        _socket = socket;
        _wakeup = wakeup;
        _dualStack = dualStack;
        LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int LocalPort { get; }

    /// <summary>The socket's receive buffer as the kernel reports it (twice what was asked, for its bookkeeping).</summary>
    public int ReceiveBufferBytes => _socket.ReceiveBufferSize;

    /// <summary>
    /// Opens and binds the socket. <paramref name="port"/> 0 picks a free port; a non-zero
    /// <paramref name="fwmark"/> marks every datagram (SO_MARK) so policy routing can keep the
    /// tunnel's own traffic out of the tunnel. Throws <see cref="InteropException"/> or
    /// <see cref="SocketException"/> naming the cause (port in use, no permission for SO_MARK).
    /// </summary>
    public static UdpTransport Open(int port, int fwmark = 0, int bufferBytes = DefaultBufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Socket socket;
        var dualStack = Socket.OSSupportsIPv6;
        try
        {
            socket = dualStack
                ? new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true }
                : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        }
        catch (SocketException) when (dualStack)
        {
            dualStack = false;
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        }
        FileDescriptorHandle? wakeup = null;
        try
        {
            SetBuffers(socket, bufferBytes);
            if (fwmark != 0)
                SetMark(socket, fwmark);
            try
            {
                socket.Bind(new IPEndPoint(dualStack ? IPAddress.IPv6Any : IPAddress.Any, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new InvalidOperationException($"cannot listen on UDP port {port}: it is already in use (another WireGuard interface?); choose another ListenPort", e);
            }
            socket.Blocking = false;
            var fd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            Errno.ThrowIfFailed(fd, "eventfd for the WireGuard UDP socket");
            wakeup = new FileDescriptorHandle(fd);
            return new UdpTransport(socket, wakeup, dualStack);
        }
        catch
        {
            wakeup?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The socket's SO_MARK as the kernel reports it.</summary>
    internal int ReadMark()
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        _socket.GetRawSocketOption(SOL_SOCKET, SO_MARK, value);
        return BinaryPrimitives.ReadInt32LittleEndian(value);
    }

    public int Receive(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        if (datagrams.IsEmpty || sources.Length < datagrams.Length)
            throw new ArgumentException("Receive needs at least one buffer and a source slot for each");
        var count = Math.Min(datagrams.Length, MaxBatch);
        var headers = stackalloc Libc.MMsgHdr[count];
        var vectors = stackalloc Libc.IoVec[count];
        var names = stackalloc Libc.SockAddrIn6[count];
        var pins = stackalloc GCHandle[count];
        while (true)
        {
            if (!WaitReadable())
                return 0;
            for (var i = 0; i < count; i++)
                pins[i] = GCHandle.Alloc(datagrams[i].Array, GCHandleType.Pinned);
            int received;
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var buffer = datagrams[i];
                    vectors[i].Base = (byte*)pins[i].AddrOfPinnedObject() + buffer.Headroom;
                    vectors[i].Length = (nuint)(buffer.Array.Length - buffer.Headroom);
                    headers[i] = new Libc.MMsgHdr
                    {
                        Header = new Libc.MsgHdr { Name = &names[i], NameLength = (uint)sizeof(Libc.SockAddrIn6), Iov = &vectors[i], IovLength = 1 },
                    };
                }
                received = Libc.RecvMmsg(_socket.SafeHandle, headers, (uint)count, Libc.MSG_DONTWAIT, null);
            }
            finally
            {
                for (var i = 0; i < count; i++)
                    pins[i].Free();
            }
            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // EAGAIN: another wakeup raced us; ECONNREFUSED: an ICMP error from an earlier send.
                if (errno is Errno.EAGAIN or Errno.EINTR or ECONNREFUSED)
                    continue;
                Errno.Throw(errno, $"recvmmsg on WireGuard UDP port {LocalPort}");
            }
            var kept = 0;
            for (var i = 0; i < received; i++)
            {
                // MSG_TRUNC: the datagram did not fit; it cannot be a message we could use.
                if ((headers[i].Header.Flags & 0x20) != 0)
                    continue;
                var buffer = datagrams[kept];
                if (kept != i)
                    datagrams[i].Array.AsSpan(datagrams[i].Headroom, (int)headers[i].Length).CopyTo(buffer.ReadSpace);
                buffer.Offset = buffer.Headroom;
                buffer.Length = (int)headers[i].Length;
                sources[kept] = ToEndpoint(names[i]);
                kept++;
            }
            if (kept > 0)
                return kept;
        }
    }

    public void Send(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        if (destinations.Length < datagrams.Length)
            throw new ArgumentException("Send needs a destination for each datagram");
        try
        {
            SendBatches(datagrams, destinations);
        }
        catch (ObjectDisposedException)
        {
            // A timer sent while the device was being disposed: nothing to send on any more.
        }
    }

    private void SendBatches(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        var start = 0;
        var batch = Math.Min(datagrams.Length, MaxBatch);
        var headers = stackalloc Libc.MMsgHdr[batch];
        var vectors = stackalloc Libc.IoVec[batch];
        var names = stackalloc Libc.SockAddrIn6[batch];
        var pins = stackalloc GCHandle[batch];
        while (start < datagrams.Length && Volatile.Read(ref _closed) == 0)
        {
            var count = Math.Min(datagrams.Length - start, batch);
            for (var i = 0; i < count; i++)
                pins[i] = GCHandle.Alloc(datagrams[start + i].Array, GCHandleType.Pinned);
            int sent;
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var buffer = datagrams[start + i];
                    vectors[i].Base = (byte*)pins[i].AddrOfPinnedObject() + buffer.Offset;
                    vectors[i].Length = (nuint)buffer.Length;
                    var nameLength = WriteName(destinations[start + i], &names[i]);
                    headers[i] = new Libc.MMsgHdr
                    {
                        Header = new Libc.MsgHdr { Name = &names[i], NameLength = nameLength, Iov = &vectors[i], IovLength = 1 },
                    };
                }
                sent = Libc.SendMmsg(_socket.SafeHandle, headers, (uint)count, 0);
            }
            finally
            {
                for (var i = 0; i < count; i++)
                    pins[i].Free();
            }
            if (sent > 0)
            {
                start += sent;
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                // The send buffer is full: wait for room rather than drop a whole batch.
                WaitWritable();
            }
            else if (errno != Errno.EINTR)
            {
                // This datagram cannot go (no route, unreachable, too big, wrong family): skip it.
                start++;
            }
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(one, 1);
        Libc.Write(_wakeup, one);
    }

    public void Dispose()
    {
        Close();
        _socket.Dispose();
        _wakeup.Dispose();
    }

    private bool WaitReadable()
    {
        Span<Libc.PollFd> fds = stackalloc Libc.PollFd[2];
        while (true)
        {
            fds[0] = new Libc.PollFd { Fd = (int)_socket.Handle, Events = Libc.POLLIN };
            fds[1] = new Libc.PollFd { Fd = (int)_wakeup.DangerousGetHandle(), Events = Libc.POLLIN };
            if (Libc.Poll(fds, -1) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                Errno.Throw(errno, $"poll on WireGuard UDP port {LocalPort}");
            }
            if ((fds[1].ReturnedEvents & Libc.POLLIN) != 0)
                return false;
            if (fds[0].ReturnedEvents != 0)
                return true;
        }
    }

    private void WaitWritable()
    {
        Span<Libc.PollFd> fds = stackalloc Libc.PollFd[1];
        fds[0] = new Libc.PollFd { Fd = (int)_socket.Handle, Events = Libc.POLLOUT };
        Libc.Poll(fds, 100);
    }

    private static WireGuardEndpoint ToEndpoint(in Libc.SockAddrIn6 name)
    {
        var port = BinaryPrimitives.ReverseEndianness(name.PortNetworkOrder);
        fixed (byte* address = name.Address)
        {
            // A sockaddr_in keeps its 4-byte address where sockaddr_in6 has its flow info.
            if (name.Family == Libc.AF_INET)
            {
                var flow = name.FlowInfo;
                return new WireGuardEndpoint(new ReadOnlySpan<byte>(&flow, 4), port);
            }
            return new WireGuardEndpoint(new ReadOnlySpan<byte>(address, 16), port);
        }
    }

    private uint WriteName(in WireGuardEndpoint endpoint, Libc.SockAddrIn6* name)
    {
        *name = default;
        name->PortNetworkOrder = BinaryPrimitives.ReverseEndianness(endpoint.Port);
        if (_dualStack)
        {
            name->Family = Libc.AF_INET6;
            endpoint.WriteAddress(new Span<byte>(name->Address, 16));
            return (uint)sizeof(Libc.SockAddrIn6);
        }
        name->Family = Libc.AF_INET;
        Span<byte> address = stackalloc byte[16];
        endpoint.WriteAddress(address);
        address[12..].CopyTo(new Span<byte>(&name->FlowInfo, 4));
        return 16;
    }

    private static void SetBuffers(Socket socket, int bytes)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(value, bytes);
        // The FORCE variants pass net.core.rmem_max/wmem_max but need CAP_NET_ADMIN; without it the
        // plain options give as much as the sysctl allows.
        try
        {
            socket.SetRawSocketOption(SOL_SOCKET, SO_RCVBUFFORCE, value);
            socket.SetRawSocketOption(SOL_SOCKET, SO_SNDBUFFORCE, value);
        }
        catch (SocketException)
        {
            socket.ReceiveBufferSize = bytes;
            socket.SendBufferSize = bytes;
        }
    }

    private static void SetMark(Socket socket, int fwmark)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(value, fwmark);
        try
        {
            socket.SetRawSocketOption(SOL_SOCKET, SO_MARK, value);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"cannot set fwmark 0x{fwmark:x} on the WireGuard socket (SO_MARK): {e.Message}; run as root or grant CAP_NET_ADMIN", e);
        }
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpTun.Interop;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// WireGuard over one UDP socket: dual-stack IPv6 (IPv4 peers appear as ::ffff:a.b.c.d), or IPv4
/// only where the kernel has no IPv6. Datagrams move in batches with recvmmsg/sendmmsg, one
/// system call per batch. Where the kernel offers them, runs of equal-sized datagrams to one peer
/// leave as one UDP GSO send (UDP_SEGMENT: the stack is traversed once per run), and the kernel
/// hands coalesced runs back with UDP GRO, which are split here. The socket belongs to the network
/// namespace of the thread that opens it.
/// </summary>
public sealed unsafe partial class UdpTransport : IWireGuardTransport
{
    /// <summary>The most datagrams one system call moves.</summary>
    public const int MaxBatch = 64;

    /// <summary>Default socket buffer: bursts of a fast sender must not overflow the receive queue (LINUX-NOTES: the VPN peers measured here lose most of their throughput that way).</summary>
    public const int DefaultBufferBytes = 8 << 20;

    private const int SOL_SOCKET = 1, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_MARK = 36;
    private const int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;
    private const int ECONNREFUSED = 111, ENOPROTOOPT = 92, MSG_TRUNC = 0x20;

    /// <summary>Most segments in one GSO send (the kernel's UDP_MAX_SEGMENTS).</summary>
    private const int MaxSegments = 64;

    /// <summary>Most bytes in one GSO send: below the 16-bit IP/UDP length limits.</summary>
    private const int MaxSegmentedBytes = 65000;

    /// <summary>A cmsghdr (16 bytes on 64-bit Linux) and its data, 8-byte aligned.</summary>
    private const int CmsgHeaderLength = 16, SegmentControlLength = CmsgHeaderLength + 8;

    private const int CoalescedMessages = 16, CoalescedBufferBytes = 65536, CoalescedControlLength = 32;

    private readonly Socket _socket;
    private readonly FileDescriptorHandle _wakeup;
    private readonly bool _dualStack;
    private volatile bool _segmentSends = true;
    private int _closed;

    // UDP GRO receive state (only the receiving thread touches it): coalesced runs land in one
    // pinned array and are handed out one datagram per caller buffer, across calls if need be.
    private readonly byte[]? _coalesced;
    private readonly Segment[] _segments = new Segment[CoalescedMessages * MaxSegments];
    private int _segmentCount;
    private int _segmentNext;

    private readonly record struct Segment(int Offset, int Length, WireGuardEndpoint Source);

    private UdpTransport(Socket socket, FileDescriptorHandle wakeup, bool dualStack, bool coalescedReceive)
    {
        _socket = socket;
        _wakeup = wakeup;
        _dualStack = dualStack;
        LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        if (coalescedReceive)
            _coalesced = GC.AllocateUninitializedArray<byte>(CoalescedMessages * CoalescedBufferBytes, pinned: true);
    }

    /// <summary>True when the kernel hands us coalesced runs (UDP GRO).</summary>
    public bool ReceivesCoalesced => _coalesced is not null;

    /// <summary>True while runs of equal datagrams are sent as one (UDP GSO); turned off for good when the kernel refuses it.</summary>
    public bool SendsSegmented => _segmentSends;

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
            var coalescedReceive = TryEnableGro(socket);
            var fd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            Errno.ThrowIfFailed(fd, "eventfd for the WireGuard UDP socket");
            wakeup = new FileDescriptorHandle(fd);
            return new UdpTransport(socket, wakeup, dualStack, coalescedReceive);
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

    /// <summary>Asks for coalesced receives (UDP_GRO, Linux 5.0); false where the kernel does not have it.</summary>
    private static bool TryEnableGro(Socket socket)
    {
        Span<byte> one = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(one, 1);
        try
        {
            socket.SetRawSocketOption(SOL_UDP, UDP_GRO, one);
            return true;
        }
        catch (SocketException)
        {
            return false;
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

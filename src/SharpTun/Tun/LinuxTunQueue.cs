using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using SharpTun.Interop;

namespace SharpTun.Tun;

/// <summary>
/// One file descriptor of a Linux TUN device, opened O_NONBLOCK. <see cref="Read"/> blocks in
/// poll() on the TUN fd and an eventfd; <see cref="Close"/> makes the eventfd readable, which wakes
/// the reader. Kernel behaviour relied on (drivers/net/tun.c):
/// <list type="bullet">
/// <item>each read() returns exactly one packet; on a non-blocking fd an empty queue is EAGAIN,
/// which ends a batch;</item>
/// <item>a packet longer than the read buffer is truncated to the buffer (the rest is lost) and
/// read() still reports the buffer length, so buffers must hold MTU bytes after their headroom;</item>
/// <item>each write() injects exactly one packet; the kernel takes the IP version from the first
/// nibble and rejects anything but 4 or 6 with EINVAL. The packet enters the stack in the
/// writer's context, so write() does not return EAGAIN in practice (an overloaded stack drops
/// instead); EAGAIN is still honoured by ending the batch;</item>
/// <item>when the device is deleted under an open fd, poll() reports POLLERR and read() fails
/// with EBADFD;</item>
/// <item>with IFF_VNET_HDR every read and write starts with a <see cref="VirtioNetHeader"/>, which we
/// move in and out of <see cref="PacketBuffer.Offload"/> with readv/writev so that the packet itself
/// still lands after the buffer's headroom.</item>
/// </list>
/// </summary>
internal sealed unsafe class LinuxTunQueue : ITunQueue
{
    private readonly FileDescriptorHandle _tun;
    private readonly FileDescriptorHandle _wakeup;
    private readonly string _name;
    private readonly long _busyPollTicks;
    private readonly bool _offload;
    private int _closed;

    public LinuxTunQueue(FileDescriptorHandle tun, string name, TimeSpan busyPoll = default, bool offload = false)
    {
        _tun = tun;
        _name = name;
        _offload = offload;
        _busyPollTicks = (long)(busyPoll.TotalSeconds * Stopwatch.Frequency);
        var wakeup = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        Errno.ThrowIfFailed(wakeup, $"eventfd for TUN '{name}'");
        _wakeup = new FileDescriptorHandle(wakeup);
    }

    /// <summary>The TUN file descriptor, for queue-level ioctls (TUNSETPERSIST).</summary>
    internal FileDescriptorHandle Handle => _tun;

    public SafeHandle ReadableHandle => _tun;

    public int TryRead(Span<PacketBuffer> packets)
    {
        if (packets.IsEmpty)
            ThrowEmptyBatch();
        return Volatile.Read(ref _closed) != 0 ? 0 : ReadAvailable(packets);
    }

    public int Read(Span<PacketBuffer> packets)
    {
        if (packets.IsEmpty)
            ThrowEmptyBatch();
        if (_busyPollTicks > 0 && BusyPoll(packets) is var polled and > 0)
            return polled;
        Span<Libc.PollFd> fds = stackalloc Libc.PollFd[2];
        while (true)
        {
            if (!WaitReadable(fds))
                return 0;
            var count = ReadAvailable(packets);
            if (count > 0)
                return count;
        }
    }

    /// <summary>Non-blocking reads for up to the busy-poll window; 0 when it ran out or the queue closed.</summary>
    private int BusyPoll(Span<PacketBuffer> packets)
    {
        var deadline = Stopwatch.GetTimestamp() + _busyPollTicks;
        do
        {
            var count = ReadAvailable(packets);
            if (count > 0)
                return count;
        }
        while (Volatile.Read(ref _closed) == 0 && Stopwatch.GetTimestamp() < deadline);
        return 0;
    }

    public int Write(ReadOnlySpan<PacketBuffer> packets)
    {
        for (var i = 0; i < packets.Length; i++)
        {
            while (WriteOne(packets[i]) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EAGAIN)
                    return i;
                if (errno != Errno.EINTR)
                    ThrowWriteFailed(errno, packets[i].Length);
            }
        }
        return packets.Length;
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        // The eventfd stays readable from now on (it is never drained), so every later poll in
        // Read returns at once as well.
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        MemoryMarshal.Write(one, 1UL);
        Errno.ThrowIfFailed((int)Libc.Write(_wakeup, one), $"eventfd write to wake TUN '{_name}' reader");
    }

    public void Dispose()
    {
        if (!_wakeup.IsClosed)
            Close();
        _tun.Dispose();
        _wakeup.Dispose();
    }

    /// <summary>Polls until the TUN fd is readable (true) or the queue is closed (false).</summary>
    private bool WaitReadable(Span<Libc.PollFd> fds)
    {
        var tunAdded = false;
        var wakeupAdded = false;
        try
        {
            _tun.DangerousAddRef(ref tunAdded);
            _wakeup.DangerousAddRef(ref wakeupAdded);
            while (true)
            {
                fds[0] = new Libc.PollFd { Fd = (int)_tun.DangerousGetHandle(), Events = Libc.POLLIN };
                fds[1] = new Libc.PollFd { Fd = (int)_wakeup.DangerousGetHandle(), Events = Libc.POLLIN };
                if (Libc.Poll(fds, -1) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                        continue;
                    ThrowReadFailed(errno);
                }
                if ((fds[1].ReturnedEvents & Libc.POLLIN) != 0)
                    return false;
                // POLLERR without POLLIN: the device was deleted; the read below reports it.
                if (fds[0].ReturnedEvents != 0)
                    return true;
            }
        }
        finally
        {
            if (tunAdded)
                _tun.DangerousRelease();
            if (wakeupAdded)
                _wakeup.DangerousRelease();
        }
    }

    /// <summary>Reads packets until the batch is full or the kernel queue is empty (EAGAIN).</summary>
    private int ReadAvailable(Span<PacketBuffer> packets)
    {
        var count = 0;
        while (count < packets.Length)
        {
            var buffer = packets[count];
            var read = ReadOne(buffer);
            if (read < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EAGAIN)
                    break;
                if (errno == Errno.EINTR)
                    continue;
                ThrowReadFailed(errno);
            }
            buffer.Offset = buffer.Headroom;
            buffer.Length = (int)read;
            count++;
        }
        return count;
    }

    /// <summary>One read(); with offload, readv() of the header into <see cref="PacketBuffer.Offload"/> and the packet. Returns the packet's length or -1.</summary>
    private nint ReadOne(PacketBuffer buffer)
    {
        if (!_offload)
            return Libc.Read(_tun, buffer.ReadSpace);
        var header = stackalloc byte[VirtioNetHeader.Size];
        var space = buffer.ReadSpace;
        fixed (byte* data = space)
        {
            var vectors = stackalloc Libc.IoVec[2];
            vectors[0] = new Libc.IoVec { Base = header, Length = VirtioNetHeader.Size };
            vectors[1] = new Libc.IoVec { Base = data, Length = (nuint)space.Length };
            var read = Libc.ReadV(_tun, vectors, 2);
            if (read < 0)
                return read;
            buffer.Offload = VirtioNetHeader.Read(new ReadOnlySpan<byte>(header, VirtioNetHeader.Size));
            return read - VirtioNetHeader.Size;
        }
    }

    /// <summary>One write(); with offload, writev() of <see cref="PacketBuffer.Offload"/> and the packet. Returns bytes written or -1.</summary>
    private nint WriteOne(PacketBuffer buffer)
    {
        if (!_offload)
            return Libc.Write(_tun, buffer.Packet);
        var header = stackalloc byte[VirtioNetHeader.Size];
        buffer.Offload.Write(new Span<byte>(header, VirtioNetHeader.Size));
        fixed (byte* data = buffer.Packet)
        {
            var vectors = stackalloc Libc.IoVec[2];
            vectors[0] = new Libc.IoVec { Base = header, Length = VirtioNetHeader.Size };
            vectors[1] = new Libc.IoVec { Base = data, Length = (nuint)buffer.Length };
            return Libc.WriteV(_tun, vectors, 2);
        }
    }

    [DoesNotReturn]
    private static void ThrowEmptyBatch() =>
        throw new ArgumentException("Read needs at least one buffer; an empty batch would be indistinguishable from a closed queue", "packets");

    [DoesNotReturn]
    private void ThrowReadFailed(int errno) =>
        Errno.Throw(errno, $"read from TUN '{_name}'", static e => e == Errno.EBADFD
            ? "the device was deleted while open"
            : Errno.CommonHint(e));

    [DoesNotReturn]
    private void ThrowWriteFailed(int errno, int length) =>
        Errno.Throw(errno, $"write of {length} bytes to TUN '{_name}'", static e => e switch
        {
            Errno.EINVAL => "a TUN accepts only whole IPv4 or IPv6 packets (the first byte's high nibble must be 4 or 6) and, with offload, an offload header that matches the packet",
            Errno.EIO => "the device is down; bring it up (ip link set DEV up)",
            Errno.EBADFD => "the device was deleted while open",
            _ => Errno.CommonHint(e),
        });
}

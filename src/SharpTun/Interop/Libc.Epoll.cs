using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10;

    /// <summary>
    /// struct epoll_event. The kernel declares it packed on x86-64 only (12 bytes, the data at
    /// offset 4); elsewhere it has natural alignment (16 bytes, the data at offset 8). Both layouts
    /// are read and written through <see cref="EpollEventSize"/> and the helpers below.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>The events of entry <paramref name="index"/> of an epoll_wait result.</summary>
    public static uint EpollEvents(ReadOnlySpan<byte> events, int index) =>
        MemoryMarshal.Read<uint>(events[(index * EpollEventSize)..]);

    /// <summary>The data word of entry <paramref name="index"/> of an epoll_wait result.</summary>
    public static ulong EpollData(ReadOnlySpan<byte> events, int index) =>
        MemoryMarshal.Read<ulong>(events[(index * EpollEventSize + EpollDataOffset)..]);

    /// <summary>epoll_create1(2).</summary>
    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    /// <summary>epoll_ctl(2) with an event of <paramref name="events"/> and <paramref name="data"/> (ignored for DEL).</summary>
    public static int EpollControl(SafeHandle epoll, int operation, int fd, uint events, ulong data)
    {
        var entry = stackalloc byte[16];
        MemoryMarshal.Write(new Span<byte>(entry, 16), events);
        MemoryMarshal.Write(new Span<byte>(entry + EpollDataOffset, 8), data);
        return epoll_ctl(epoll, operation, fd, entry);
    }

    /// <summary>epoll_wait(2) into <paramref name="events"/> (a multiple of <see cref="EpollEventSize"/> bytes); returns the count, or -1 (errno set).</summary>
    public static int EpollWait(SafeHandle epoll, Span<byte> events, int timeoutMilliseconds)
    {
        fixed (byte* data = events)
            return epoll_wait(epoll, data, events.Length / EpollEventSize, timeoutMilliseconds);
    }

    /// <summary>
    /// epoll_pwait2(2), which takes its timeout in nanoseconds (<paramref name="timeoutNanoseconds"/>
    /// below zero waits without limit). On a kernel before 5.11 or a glibc before 2.35 it falls back
    /// to epoll_wait with the timeout rounded up to whole milliseconds.
    /// </summary>
    public static int EpollWaitNanoseconds(SafeHandle epoll, Span<byte> events, long timeoutNanoseconds)
    {
        if (timeoutNanoseconds < 0)
            return EpollWait(epoll, events, -1);
        if (!s_epollPwait2Missing)
        {
            var timeout = stackalloc long[2] { timeoutNanoseconds / 1_000_000_000, timeoutNanoseconds % 1_000_000_000 };
            try
            {
                fixed (byte* data = events)
                {
                    var count = epoll_pwait2(epoll, data, events.Length / EpollEventSize, timeout, null);
                    if (count >= 0 || Marshal.GetLastPInvokeError() != Errno.ENOSYS)
                        return count;
                }
            }
            catch (EntryPointNotFoundException)
            {
            }
            s_epollPwait2Missing = true;
        }
        return EpollWait(epoll, events, (int)Math.Min(int.MaxValue, (timeoutNanoseconds + 999_999) / 1_000_000));
    }

    private static bool s_epollPwait2Missing;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_pwait2(SafeHandle epoll, byte* events, int maxEvents, long* timeout, void* signalMask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(SafeHandle epoll, int operation, int fd, byte* entry);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(SafeHandle epoll, byte* events, int maxEvents, int timeout);
}

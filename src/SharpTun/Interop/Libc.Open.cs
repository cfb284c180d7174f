using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    public const int O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

    /// <summary>open(2) of a NUL-terminated UTF-8 path; returns the fd or -1 (errno set).</summary>
    public static int Open(ReadOnlySpan<byte> pathNulTerminated, int flags)
    {
        fixed (byte* path = pathNulTerminated)
            return open(path, flags);
    }

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags);
}

using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>readv(2) into <paramref name="count"/> iovecs; returns bytes read or -1 (errno set).</summary>
    [LibraryImport("libc", EntryPoint = "readv", SetLastError = true)]
    public static partial nint ReadV(SafeHandle fd, IoVec* vectors, int count);

    /// <summary>writev(2) of <paramref name="count"/> iovecs; returns bytes written or -1 (errno set).</summary>
    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint WriteV(SafeHandle fd, IoVec* vectors, int count);
}

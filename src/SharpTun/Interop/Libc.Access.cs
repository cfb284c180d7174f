using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    public const int W_OK = 2, X_OK = 1;

    /// <summary>
    /// access(2) for the real user: 0 when <paramref name="mode"/> would be allowed, else -1 with
    /// errno EACCES, EROFS (a read-only file system, even for root), EPERM (an immutable file) or ENOENT.
    /// </summary>
    public static int Access(ReadOnlySpan<byte> pathNulTerminated, int mode)
    {
        fixed (byte* path = pathNulTerminated)
            return access(path, mode);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int access(byte* path, int mode);
}

using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>
    /// rename(2): atomically replaces <paramref name="newPathNulTerminated"/> (a file or a symlink
    /// itself, never what a symlink points to). EBUSY when the target is a mount point (a bind
    /// mount over a single file, as containers and <c>ip netns exec</c> put on /etc/resolv.conf).
    /// </summary>
    public static int Rename(ReadOnlySpan<byte> oldPathNulTerminated, ReadOnlySpan<byte> newPathNulTerminated)
    {
        fixed (byte* oldPath = oldPathNulTerminated)
        fixed (byte* newPath = newPathNulTerminated)
            return rename(oldPath, newPath);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int rename(byte* oldPath, byte* newPath);
}

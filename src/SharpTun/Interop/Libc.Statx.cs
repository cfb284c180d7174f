using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    private const int AT_FDCWD = -100;
    private const uint STATX_INO = 0x100;
    private const int StatxSize = 256;

    // struct statx has the same layout on every architecture (unlike struct stat), which is why it
    // is used here: stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140.
    private const int InodeOffset = 32, DeviceMajorOffset = 136, DeviceMinorOffset = 140;

    /// <summary>
    /// statx(2) of <paramref name="pathNulTerminated"/> following symlinks; returns 0 and the
    /// device (major, minor) and inode, or -1 (errno set).
    /// </summary>
    public static int StatIdentity(ReadOnlySpan<byte> pathNulTerminated, out uint deviceMajor, out uint deviceMinor, out ulong inode)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        int result;
        fixed (byte* path = pathNulTerminated)
        fixed (byte* data = buffer)
            result = statx(AT_FDCWD, path, 0, STATX_INO, data);
        inode = MemoryMarshal.Read<ulong>(buffer[InodeOffset..]);
        deviceMajor = MemoryMarshal.Read<uint>(buffer[DeviceMajorOffset..]);
        deviceMinor = MemoryMarshal.Read<uint>(buffer[DeviceMinorOffset..]);
        return result;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int directoryFd, byte* path, int flags, uint mask, byte* buffer);
}

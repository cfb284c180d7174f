using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_UID = 0x8, STATX_GID = 0x10, STATX_INO = 0x100, STATX_SIZE = 0x200;
    private const int StatxSize = 256;

    // struct statx has the same layout on every architecture (unlike struct stat), which is why it
    // is used here: stx_uid at 20, stx_gid at 24, stx_mode at 28 (16 bits), stx_ino at 32,
    // stx_size at 40, stx_dev_major at 136, stx_dev_minor at 140.
    private const int UidOffset = 20, GidOffset = 24, ModeOffset = 28, InodeOffset = 32, SizeOffset = 40, DeviceMajorOffset = 136, DeviceMinorOffset = 140;

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

    /// <summary>
    /// statx(2) of <paramref name="pathNulTerminated"/> itself (a symlink is not followed); returns
    /// 0 and its type and permission bits (<c>st_mode</c>), owner, group and size, or -1 (errno set).
    /// </summary>
    public static int StatEntry(ReadOnlySpan<byte> pathNulTerminated, out FileEntryStatus status)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        int result;
        fixed (byte* path = pathNulTerminated)
        fixed (byte* data = buffer)
            result = statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE, data);
        status = new FileEntryStatus(
            MemoryMarshal.Read<ushort>(buffer[ModeOffset..]),
            MemoryMarshal.Read<uint>(buffer[UidOffset..]),
            MemoryMarshal.Read<uint>(buffer[GidOffset..]),
            MemoryMarshal.Read<ulong>(buffer[SizeOffset..]));
        return result;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int directoryFd, byte* path, int flags, uint mask, byte* buffer);
}

using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>open(2) flag: read only. A directory opened so can be listed with <see cref="GetDirectoryEntries"/>.</summary>
    public const int O_RDONLY = 0;

    /// <summary>d_type of a symbolic link in a <c>struct linux_dirent64</c>.</summary>
    public const byte DT_LNK = 10;

    /// <summary>d_type of a directory in a <c>struct linux_dirent64</c>.</summary>
    public const byte DT_DIR = 4;

    /// <summary>
    /// getdents64(2): fills <paramref name="buffer"/> with the next <c>struct linux_dirent64</c>
    /// records of the open directory <paramref name="directoryFd"/> (read them with
    /// <see cref="DirectoryEntries"/>). Returns the bytes filled, 0 at the end, or -1 (errno set).
    /// Used instead of Directory.EnumerateFiles where a scan must not allocate a string per entry.
    /// </summary>
    public static nint GetDirectoryEntries(int directoryFd, Span<byte> buffer)
    {
        fixed (byte* data = buffer)
            return getdents64(directoryFd, data, (nuint)buffer.Length);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(int directoryFd, byte* buffer, nuint count);
}

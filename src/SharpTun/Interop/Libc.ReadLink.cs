using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>
    /// readlinkat(2): the target of the symlink <paramref name="nameNulTerminated"/> in the open
    /// directory <paramref name="directoryFd"/> into <paramref name="buffer"/>, not NUL-terminated.
    /// Returns its length or -1 (errno set); a length equal to the buffer's means it may have been
    /// cut short.
    /// </summary>
    public static nint ReadLinkAt(int directoryFd, ReadOnlySpan<byte> nameNulTerminated, Span<byte> buffer)
    {
        fixed (byte* path = nameNulTerminated)
        fixed (byte* data = buffer)
            return readlinkat(directoryFd, path, data, (nuint)buffer.Length);
    }

    /// <summary>readlink(2) of an absolute or working-directory-relative path; as <see cref="ReadLinkAt"/>.</summary>
    public static nint ReadLink(ReadOnlySpan<byte> pathNulTerminated, Span<byte> buffer) =>
        ReadLinkAt(AT_FDCWD, pathNulTerminated, buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readlinkat(int directoryFd, byte* path, byte* buffer, nuint size);
}

using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>write(2) of <paramref name="buffer"/>; returns bytes written or -1 (errno set).</summary>
    public static nint Write(SafeHandle fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* data = buffer)
            return write(fd, data, (nuint)buffer.Length);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(SafeHandle fd, byte* buffer, nuint count);
}

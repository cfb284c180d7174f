using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>read(2) into <paramref name="buffer"/>; returns bytes read or -1 (errno set).</summary>
    public static nint Read(SafeHandle fd, Span<byte> buffer)
    {
        fixed (byte* data = buffer)
            return read(fd, data, (nuint)buffer.Length);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(SafeHandle fd, byte* buffer, nuint count);
}

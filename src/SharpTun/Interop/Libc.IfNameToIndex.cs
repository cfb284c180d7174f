using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>
    /// if_nametoindex(3) in the calling thread's network namespace; 0 when there is no such link.
    /// <paramref name="nameNulTerminated"/> is the UTF-8 name followed by a NUL.
    /// </summary>
    public static uint IfNameToIndex(ReadOnlySpan<byte> nameNulTerminated)
    {
        fixed (byte* name = nameNulTerminated)
            return if_nametoindex(name);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint if_nametoindex(byte* name);
}

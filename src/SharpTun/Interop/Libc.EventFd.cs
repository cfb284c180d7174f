using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static partial class Libc
{
    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    /// <summary>eventfd(2): a counter fd that polls readable while its value is non-zero.</summary>
    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);
}

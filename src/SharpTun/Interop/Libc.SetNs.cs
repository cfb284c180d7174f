using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static partial class Libc
{
    public const int CLONE_NEWNET = 0x40000000;

    /// <summary>
    /// setns(2): moves the calling OS thread (not the process) into the namespace of
    /// <paramref name="fd"/>. Only call it on a dedicated thread, never a thread-pool thread.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(SafeHandle fd, int namespaceType);
}

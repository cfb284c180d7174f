using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static partial class Libc
{
    /// <summary>fchown(2): sets the owner and group of the open file <paramref name="fd"/>.</summary>
    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(SafeHandle fd, uint owner, uint group);
}

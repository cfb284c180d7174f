using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static partial class Libc
{
    public const int SIGTERM = 15;

    /// <summary>kill(2): sends <paramref name="signal"/> to process <paramref name="pid"/>.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}

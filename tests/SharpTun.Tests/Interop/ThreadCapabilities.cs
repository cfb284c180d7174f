using System.Runtime.InteropServices;

namespace SharpTun.Tests.Interop;

/// <summary>
/// Drops a capability from the calling thread only: Linux capabilities are per thread, so a test
/// can see the EPERM path as root without affecting the rest of the process. Call it on a
/// dedicated thread (TestNamespace.RunInside) that ends afterwards.
/// </summary>
internal static unsafe partial class ThreadCapabilities
{
    public const int Kill = 5, NetAdmin = 12;
    private const uint Version3 = 0x20080522;

    public static void DropEffective(int capability)
    {
        var header = stackalloc uint[2] { Version3, 0 };
        var data = stackalloc uint[6]; // two { effective, permitted, inheritable }
        if (capget(header, data) != 0)
            throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        data[capability / 32 * 3] &= ~(1u << (capability % 32));
        if (capset(header, data) != 0)
            throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int capget(uint* header, uint* data);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int capset(uint* header, uint* data);
}

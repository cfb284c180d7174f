using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static partial class Libc
{
    public const int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_ROUTE = 0;

    /// <summary>
    /// socket(2). Needed for AF_NETLINK, which <c>new Socket((AddressFamily)16, ...)</c> cannot
    /// create (.NET maps 16 to AppleTalk); the fd is then wrapped in a <c>SafeSocketHandle</c>.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);
}

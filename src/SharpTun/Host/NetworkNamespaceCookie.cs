using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SharpTun.Host;

/// <summary>
/// The network namespace cookie (SO_NETNS_COOKIE, Linux 5.14+): a 64-bit id the kernel never reuses
/// while it runs. Namespace inode numbers, by contrast, are recycled as soon as a namespace is
/// freed, so a new namespace can show the inode a dead one had; the cookie tells them apart.
/// </summary>
public static class NetworkNamespaceCookie
{
    private const int SOL_SOCKET = 1, SO_NETNS_COOKIE = 71;

    /// <summary>The cookie of the calling thread's namespace, or null on kernels without SO_NETNS_COOKIE.</summary>
    public static ulong? Current()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        try
        {
            return socket.GetRawSocketOption(SOL_SOCKET, SO_NETNS_COOKIE, value) == sizeof(ulong) ? MemoryMarshal.Read<ulong>(value) : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}

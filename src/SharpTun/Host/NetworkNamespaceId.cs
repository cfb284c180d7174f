using System.Text;
using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>
/// Identifies a network namespace across processes: the device and inode of its nsfs file
/// (<c>/proc/thread-self/ns/net</c>, <c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c> all stat to the same pair).
/// </summary>
public readonly record struct NetworkNamespaceId(ulong Device, ulong Inode)
{
    /// <summary>The namespace of the calling thread (not the process: setns() is per thread).</summary>
    public static NetworkNamespaceId Current() =>
        TryOf("/proc/thread-self/ns/net") ?? throw new InteropException("statx /proc/thread-self/ns/net", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());

    /// <summary>The namespace that <paramref name="path"/> refers to, or null when it cannot be read (gone, not a namespace).</summary>
    public static NetworkNamespaceId? TryOf(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        if (Libc.StatIdentity(bytes, out var major, out var minor, out var inode) != 0)
            return null;
        return new NetworkNamespaceId(((ulong)major << 32) | minor, inode);
    }

    public override string ToString() => $"net:[{Inode}] on device {Device >> 32}:{Device & 0xffffffff}";
}

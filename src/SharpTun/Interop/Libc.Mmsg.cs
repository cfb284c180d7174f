using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    public const int MSG_DONTWAIT = 0x40;
    public const short POLLOUT = 0x4;
    public const ushort AF_INET = 2, AF_INET6 = 10;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (x86-64/arm64 layout; Sequential inserts the same padding as C).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a msghdr and the byte count the kernel fills in.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>struct sockaddr_in6 (28 bytes); also big enough for a struct sockaddr_in.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrIn6
    {
        public ushort Family;
        public ushort PortNetworkOrder;
        public uint FlowInfo;
        public fixed byte Address[16];
        public uint ScopeId;
    }

    /// <summary>recvmmsg(2) without a timeout; returns datagrams received or -1 (errno set).</summary>
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary>sendmmsg(2); returns datagrams sent (fewer than asked when one fails after the first) or -1 (errno set).</summary>
    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags);
}

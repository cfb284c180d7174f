namespace SharpTun.Host.Processes;

/// <summary>
/// Numbers from include/uapi/linux/netlink.h, sock_diag.h, inet_diag.h and net/tcp_states.h that
/// the socket lookup uses. Named once, here.
/// </summary>
internal static class SockDiagConstants
{
    /// <summary>The netlink protocol of sock_diag(7) (also called NETLINK_INET_DIAG).</summary>
    public const int NETLINK_SOCK_DIAG = 4;

    public const int HeaderSize = 16;

    // nlmsghdr.nlmsg_type and nlmsg_flags
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3, SOCK_DIAG_BY_FAMILY = 20;
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_DUMP = 0x300;

    public const byte AF_INET = 2, AF_INET6 = 10;
    public const byte IPPROTO_TCP = 6, IPPROTO_UDP = 17;

    /// <summary>idiag_cookie value that matches any socket (both 32-bit words all ones).</summary>
    public const uint INET_DIAG_NOCOOKIE = 0xffffffff;

    // Socket states (idiag_state; a UDP socket is ESTABLISHED when connected, CLOSE otherwise).
    public const byte TCP_ESTABLISHED = 1, TCP_TIME_WAIT = 6, TCP_CLOSE = 7, TCP_LISTEN = 10, TCP_NEW_SYN_RECV = 12;

    /// <summary>
    /// struct inet_diag_req_v2: u8 sdiag_family, u8 sdiag_protocol, u8 idiag_ext, u8 pad,
    /// u32 idiag_states, then struct inet_diag_sockid.
    /// </summary>
    public static class Request
    {
        public const int Family = 0, Protocol = 1, States = 4, SocketId = 8, Size = 56;
    }

    /// <summary>
    /// struct inet_diag_sockid (48 bytes): __be16 idiag_sport, __be16 idiag_dport,
    /// __be32 idiag_src[4], __be32 idiag_dst[4], u32 idiag_if, u32 idiag_cookie[2]. An IPv4
    /// address takes the first 4 bytes of its 16.
    /// </summary>
    public static class SocketId
    {
        public const int SourcePort = 0, DestinationPort = 2, Source = 4, Destination = 20, Interface = 36, Cookie = 40, Size = 48;
    }

    /// <summary>
    /// struct inet_diag_msg (72 bytes): u8 idiag_family, u8 idiag_state, u8 idiag_timer,
    /// u8 idiag_retrans, struct inet_diag_sockid id, u32 idiag_expires, u32 idiag_rqueue,
    /// u32 idiag_wqueue, u32 idiag_uid, u32 idiag_inode; attributes follow. In a reply the sockid's
    /// source is always the socket's local end, whatever the protocol.
    /// </summary>
    public static class Message
    {
        public const int Family = 0, State = 1, SocketId = 4, Uid = 64, Inode = 68, Size = 72;
    }
}

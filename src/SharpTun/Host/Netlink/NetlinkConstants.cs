namespace SharpTun.Host.Netlink;

/// <summary>
/// Numbers from include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, fib_rules.h and
/// if_tun.h that SharpTun's rtnetlink client uses. Named once, here.
/// </summary>
internal static class NetlinkConstants
{
    public const int HeaderSize = 16, AttributeHeaderSize = 4;

    // nlmsghdr.nlmsg_type
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19,
        RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26,
        RTM_NEWRULE = 32, RTM_DELRULE = 33;

    // nlmsghdr.nlmsg_flags
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_ACK = 0x4, NLM_F_DUMP = 0x300, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;

    // Flags on an NLMSG_ERROR reply: payload of the request not echoed; extended-ack TLVs follow.
    public const ushort NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    public const ushort NLMSGERR_ATTR_MSG = 1;

    // setsockopt(SOL_NETLINK, ...)
    public const int SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;

    // struct ifinfomsg (16 bytes) and link attributes
    public const int IfInfoSize = 16;
    public const uint IFF_UP = 0x1;
    public const ushort IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINKINFO = 18, IFLA_MIN_MTU = 50, IFLA_MAX_MTU = 51;
    public const ushort IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2;
    public const ushort IFLA_TUN_TYPE = 3, IFLA_TUN_PERSIST = 6, IFLA_TUN_MULTI_QUEUE = 7;
    public const byte TunTypeTap = 2;

    // struct ifaddrmsg (8 bytes) and address attributes
    public const int IfAddrSize = 8;
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2;
    public const byte IFA_F_NODAD = 0x02;

    // struct rtmsg (12 bytes) and route attributes
    public const int RtMsgSize = 12;
    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_METRICS = 8, RTA_TABLE = 15;
    public const ushort RTAX_MTU = 2;
    public const byte RTN_UNICAST = 1, RTPROT_STATIC = 4, RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253;
    public const byte RT_TABLE_UNSPEC = 0, RT_TABLE_COMPAT = 252;

    // struct fib_rule_hdr (12 bytes) and rule attributes
    public const int FibRuleHeaderSize = 12;
    public const ushort FRA_IIFNAME = 3, FRA_PRIORITY = 6, FRA_FWMARK = 10, FRA_SUPPRESS_PREFIXLEN = 14,
        FRA_TABLE = 15, FRA_FWMASK = 16;
    public const byte FR_ACT_TO_TBL = 1;
    public const uint FIB_RULE_INVERT = 0x2;

    public const byte AF_INET = 2, AF_INET6 = 10;
}

using System.Runtime.InteropServices;
using System.Text;

namespace SharpTun.Tun;

/// <summary>TUN ioctl numbers and flags (include/uapi/linux/if_tun.h) and the struct ifreq layout.</summary>
internal static class TunIoctl
{
    public const uint TUNSETIFF = 0x400454ca, TUNSETPERSIST = 0x400454cb, TUNSETOWNER = 0x400454cc,
        TUNSETGROUP = 0x400454ce, TUNSETOFFLOAD = 0x400454d0, TUNSETVNETLE = 0x400454dc;

    public const short IFF_TUN = 0x0001, IFF_MULTI_QUEUE = 0x0100, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000;

    /// <summary>TUNSETOFFLOAD flags: the device may hand us partial checksums and TCP super-packets.</summary>
    public const uint TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04;

    /// <summary>sizeof(struct ifreq) on 64-bit Linux: a 16-byte name and a 24-byte union.</summary>
    public const int IfReqSize = 40;

    private const int NameSize = 16, FlagsOffset = 16;

    /// <summary>Fills <paramref name="ifreq"/> with a NUL-terminated name and ifr_flags.</summary>
    public static void WriteIfReq(Span<byte> ifreq, string name, short flags)
    {
        ifreq.Clear();
        Encoding.UTF8.GetBytes(name, ifreq[..(NameSize - 1)]);
        MemoryMarshal.Write(ifreq[FlagsOffset..], in flags);
    }

    /// <summary>The name the kernel wrote back into ifr_name (the real name when a pattern was used).</summary>
    public static string ReadName(ReadOnlySpan<byte> ifreq)
    {
        var name = ifreq[..NameSize];
        var end = name.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
    }
}

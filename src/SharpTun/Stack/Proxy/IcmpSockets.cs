using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Stack.Proxy;

/// <summary>Opens the sockets forwarded echo requests leave on, and finds out which kind this host allows.</summary>
internal static class IcmpSockets
{
    private const string PingGroupRange = "/proc/sys/net/ipv4/ping_group_range";

    // linux/icmp.h: ICMP_FILTER on SOL_RAW, a bit mask of the types to drop.
    private const int SolRaw = 255, IcmpFilter = 1;

    // linux/icmpv6.h: ICMPV6_FILTER on IPPROTO_ICMPV6, 256 bits; a set bit blocks that type.
    private const int SolIcmpV6 = 58, IcmpV6Filter = 1;

    /// <summary>
    /// The kind of echo socket this process may open for the family: ping sockets when
    /// net.ipv4.ping_group_range includes one of its groups (Debian's default "1 0" excludes
    /// everyone, root included), else a raw socket when it has CAP_NET_RAW. Null, with the reason,
    /// when neither works (or the family is not available at all).
    /// </summary>
    public static IcmpEchoSocketKind? Probe(bool ipv6, out string? problem)
    {
        problem = null;
        string pingFailure;
        try
        {
            Open(IcmpEchoSocketKind.Ping, ipv6, OutboundSocketOptions.None).Dispose();
            return IcmpEchoSocketKind.Ping;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressFamilyNotSupported)
        {
            problem = $"{(ipv6 ? "IPv6" : "IPv4")} is not available on this host";
            return null;
        }
        catch (SocketException e)
        {
            pingFailure = $"ping sockets are refused ({e.Message}; net.ipv4.ping_group_range is {ReadPingGroupRange()}, which must include one of our groups)";
        }
        try
        {
            Open(IcmpEchoSocketKind.Raw, ipv6, OutboundSocketOptions.None).Dispose();
            return IcmpEchoSocketKind.Raw;
        }
        catch (SocketException e)
        {
            problem = $"{pingFailure}, and raw ICMP sockets are refused too ({e.Message}; they need CAP_NET_RAW)";
            return null;
        }
    }

    /// <summary>The reason ping sockets are not used, for the start-up log line.</summary>
    public static string DescribePingGroupRange() => $"net.ipv4.ping_group_range is {ReadPingGroupRange()}";

    /// <summary>Opens an echo socket of <paramref name="kind"/> with the loop-prevention options applied.</summary>
    /// <exception cref="SocketException">The kernel refused the socket or an option.</exception>
    public static Socket Open(IcmpEchoSocketKind kind, bool ipv6, OutboundSocketOptions options)
    {
        var socket = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
            kind == IcmpEchoSocketKind.Ping ? SocketType.Dgram : SocketType.Raw,
            ipv6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp);
        try
        {
            options.Apply(socket);
            if (kind == IcmpEchoSocketKind.Raw)
                PassOnlyEchoReplies(socket, ipv6);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A raw ICMP socket gets a copy of every ICMP packet the host receives; let the kernel drop all
    /// but echo replies (ICMP_FILTER, raw(7); ICMP6_FILTER, RFC 3542 §3.2).
    /// </summary>
    private static void PassOnlyEchoReplies(Socket socket, bool ipv6)
    {
        if (ipv6)
        {
            Span<uint> blocked = stackalloc uint[8];
            blocked.Fill(uint.MaxValue);
            const int echoReply = 129;
            blocked[echoReply >> 5] &= ~(1u << (echoReply & 31));
            socket.SetRawSocketOption(SolIcmpV6, IcmpV6Filter, System.Runtime.InteropServices.MemoryMarshal.AsBytes(blocked));
        }
        else
        {
            Span<uint> blocked = [~(1u << 0)]; // type 0: echo reply
            socket.SetRawSocketOption(SolRaw, IcmpFilter, System.Runtime.InteropServices.MemoryMarshal.AsBytes(blocked));
        }
    }

    private static string ReadPingGroupRange()
    {
        try
        {
            return $"\"{File.ReadAllText(PingGroupRange).Trim().Replace('\t', ' ')}\"";
        }
        catch (IOException)
        {
            return "unreadable";
        }
    }
}

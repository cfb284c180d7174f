using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SharpTun.Host.Netlink;
using SharpTun.Interop;
using SharpTun.Tun;
using static SharpTun.Host.Netlink.NetlinkConstants;

namespace SharpTun.Host;

/// <summary>
/// A small rtnetlink client: links, addresses, routes and rules. It acts in the network namespace
/// of the thread that called <see cref="Open"/>, whichever thread calls it later. Each request is
/// acknowledged; a failure throws <see cref="InteropException"/> such as
/// <c>RTM_NEWADDR 10.0.0.1/24 on st0: File exists (EEXIST)</c>. Not thread-safe.
/// </summary>
public sealed class RtNetlink : IDisposable
{
    private const int RequestBufferSize = 512;

    private readonly NetlinkSocket _socket;

    private RtNetlink(NetlinkSocket socket) => _socket = socket;

    /// <summary>Opens a NETLINK_ROUTE socket in the calling thread's network namespace.</summary>
    public static RtNetlink Open() => new(NetlinkSocket.Open());

    /// <summary>The link named <paramref name="name"/>, or null when there is none.</summary>
    public NetworkLink? FindLink(string name)
    {
        TunName.Validate(name);
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
        message.Reserve(IfInfoSize);
        message.AddString(IFLA_IFNAME, name);
        try
        {
            var reply = _socket.Request(message.Finish(), sequence, $"RTM_GETLINK {name}");
            return reply is null ? null : ParseLink(reply);
        }
        catch (InteropException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    /// <summary>The link with interface index <paramref name="index"/>, or null when there is none.</summary>
    public NetworkLink? FindLink(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
        WriteIfInfo(message.Reserve(IfInfoSize), index, 0, 0);
        try
        {
            var reply = _socket.Request(message.Finish(), sequence, $"RTM_GETLINK index {index}");
            return reply is null ? null : ParseLink(reply);
        }
        catch (InteropException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    /// <summary>
    /// Asks the kernel how it would route a packet to <paramref name="destination"/>
    /// (<c>ip route get</c>, RTM_GETROUTE), policy rules included. Null when it is unreachable.
    /// </summary>
    public RouteLookup? GetRoute(IPAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_ACK, sequence);
        var header = message.Reserve(RtMsgSize);
        var v6 = destination.AddressFamily == AddressFamily.InterNetworkV6;
        header[0] = v6 ? AF_INET6 : AF_INET;
        header[1] = (byte)(v6 ? 128 : 32);
        Span<byte> bytes = stackalloc byte[16];
        destination.TryWriteBytes(bytes, out var length);
        message.AddBytes(RTA_DST, bytes[..length]);
        try
        {
            var reply = _socket.Request(message.Finish(), sequence, $"RTM_GETROUTE {destination}");
            return reply is null ? null : ParseRoute(reply).Lookup;
        }
        catch (InteropException e) when (e.Errno is Errno.ENETUNREACH or Errno.EHOSTUNREACH)
        {
            return null;
        }
    }

    /// <summary>
    /// The main table's default route of <paramref name="family"/> with the lowest metric
    /// (what <c>ip route show default</c> lists first), or null when there is none.
    /// </summary>
    public RouteLookup? FindDefaultRoute(AddressFamily family)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException("the family must be InterNetwork or InterNetworkV6", nameof(family));
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, sequence);
        message.Reserve(RtMsgSize)[0] = family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        RouteLookup? best = null;
        var bestMetric = uint.MaxValue;
        foreach (var payload in _socket.Dump(message.Finish(), sequence, $"RTM_GETROUTE dump ({family})"))
        {
            var route = ParseRoute(payload);
            if (route.DestinationLength == 0 && route.Table == Route.MainTable && route.Type == RTN_UNICAST
                && route.Lookup.InterfaceIndex != 0 && (best is null || route.Metric < bestMetric))
            {
                best = route.Lookup;
                bestMetric = route.Metric;
            }
        }
        return best;
    }

    /// <summary>The link named <paramref name="name"/>; throws ENODEV when there is none.</summary>
    public NetworkLink GetLink(string name)
    {
        var link = FindLink(name);
        if (link is null)
            Errno.Throw(Errno.ENODEV, $"RTM_GETLINK {name}", static _ => "no such interface in this network namespace; check 'ip link'");
        return link;
    }

    /// <summary>Sets the link administratively up or down (<c>ip link set NAME up|down</c>).</summary>
    public void SetLinkUp(string name, bool up)
    {
        var index = GetLink(name).Index;
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
        WriteIfInfo(message.Reserve(IfInfoSize), index, up ? IFF_UP : 0, IFF_UP);
        _socket.Request(message.Finish(), sequence, $"RTM_SETLINK {name} {(up ? "up" : "down")}");
    }

    /// <summary>Sets the link MTU; an MTU outside the driver's range fails with a message giving the range.</summary>
    public void SetMtu(string name, int mtu)
    {
        var link = GetLink(name);
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
        WriteIfInfo(message.Reserve(IfInfoSize), link.Index, 0, 0);
        message.AddUInt32(IFLA_MTU, unchecked((uint)mtu));
        var range = link.MinMtu is { } min && link.MaxMtu is { } max ? $"{name} accepts an MTU from {min} to {max}" : null;
        _socket.Request(message.Finish(), sequence, $"RTM_SETLINK {name} mtu {mtu}", e => e == Errno.EINVAL ? range : Errno.CommonHint(e));
    }

    /// <summary>Deletes the link (<c>ip link del NAME</c>); works for TUN devices, attached or persistent.</summary>
    public void DeleteLink(string name)
    {
        var index = GetLink(name).Index;
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
        WriteIfInfo(message.Reserve(IfInfoSize), index, 0, 0);
        _socket.Request(message.Finish(), sequence, $"RTM_DELLINK {name}");
    }

    /// <summary>
    /// Adds an address (<c>ip addr add A/P dev NAME</c>). IPv6 addresses get IFA_F_NODAD: a TUN has
    /// no neighbours to collide with, and without it the address stays "tentative" (unusable as a
    /// source) for a second or more after it is added.
    /// </summary>
    public void AddAddress(string link, InterfaceAddress address) =>
        ChangeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, link, address);

    /// <summary>Deletes an address (<c>ip addr del A/P dev NAME</c>).</summary>
    public void DeleteAddress(string link, InterfaceAddress address) =>
        ChangeAddress(RTM_DELADDR, 0, link, address);

    /// <summary>Adds a route (<c>ip route add</c>); fails with EEXIST if the same route is in the table.</summary>
    public void AddRoute(Route route) => ChangeRoute(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route);

    /// <summary>Deletes a route (<c>ip route del</c>); ESRCH when it is not there.</summary>
    public void DeleteRoute(Route route) => ChangeRoute(RTM_DELROUTE, 0, route);

    /// <summary>Adds a rule (<c>ip rule add</c>); fails with EEXIST if an identical rule exists.</summary>
    public void AddRule(RoutingRule rule) => ChangeRule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, rule);

    /// <summary>Deletes a rule (<c>ip rule del</c>); ENOENT when it is not there.</summary>
    public void DeleteRule(RoutingRule rule) => ChangeRule(RTM_DELRULE, 0, rule);

    public void Dispose() => _socket.Dispose();

    private void ChangeAddress(ushort type, ushort flags, string link, InterfaceAddress address)
    {
        var index = GetLink(link).Index;
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, type, (ushort)(NLM_F_REQUEST | NLM_F_ACK | flags), sequence);
        var header = message.Reserve(IfAddrSize);
        var v6 = address.Address.AddressFamily == AddressFamily.InterNetworkV6;
        header[0] = v6 ? AF_INET6 : AF_INET;
        header[1] = (byte)address.PrefixLength;
        header[2] = v6 && type == RTM_NEWADDR ? IFA_F_NODAD : (byte)0;
        header[3] = RT_SCOPE_UNIVERSE;
        MemoryMarshal.Write(header[4..], in index);
        Span<byte> bytes = stackalloc byte[16];
        address.Address.TryWriteBytes(bytes, out var length);
        message.AddBytes(IFA_LOCAL, bytes[..length]);
        message.AddBytes(IFA_ADDRESS, bytes[..length]);
        var verb = type == RTM_NEWADDR ? "RTM_NEWADDR" : "RTM_DELADDR";
        _socket.Request(message.Finish(), sequence, $"{verb} {address} on {link}", static e => e switch
        {
            Errno.EEXIST => "the address is already on that interface",
            Errno.EADDRNOTAVAIL => "the address is not on that interface",
            _ => Errno.CommonHint(e),
        });
    }

    private void ChangeRoute(ushort type, ushort flags, Route route)
    {
        var index = route.Device is null ? 0 : GetLink(route.Device).Index;
        var v6 = route.Destination.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        if (route.Gateway is not null && route.Gateway.AddressFamily != route.Destination.BaseAddress.AddressFamily)
            throw new ArgumentException($"route {route}: the gateway and the destination must be the same address family", nameof(route));
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, type, (ushort)(NLM_F_REQUEST | NLM_F_ACK | flags), sequence);
        var header = message.Reserve(RtMsgSize);
        header[0] = v6 ? AF_INET6 : AF_INET;
        header[1] = (byte)route.Destination.PrefixLength;
        // rtm_table is one byte; larger ids go in RTA_TABLE with RT_TABLE_COMPAT in the header.
        header[4] = route.Table > byte.MaxValue ? RT_TABLE_COMPAT : (byte)route.Table;
        header[5] = type == RTM_NEWROUTE ? RTPROT_STATIC : (byte)0;
        header[6] = route.Gateway is null && route.Device is not null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        header[7] = type == RTM_NEWROUTE ? RTN_UNICAST : (byte)0;
        Span<byte> bytes = stackalloc byte[16];
        route.Destination.BaseAddress.TryWriteBytes(bytes, out var length);
        if (route.Destination.PrefixLength > 0)
            message.AddBytes(RTA_DST, bytes[..length]);
        if (route.Gateway is not null)
        {
            route.Gateway.TryWriteBytes(bytes, out length);
            message.AddBytes(RTA_GATEWAY, bytes[..length]);
        }
        if (index != 0)
            message.AddUInt32(RTA_OIF, (uint)index);
        if (route.Metric is { } metric)
            message.AddUInt32(RTA_PRIORITY, metric);
        message.AddUInt32(RTA_TABLE, route.Table);
        var verb = type == RTM_NEWROUTE ? "RTM_NEWROUTE" : "RTM_DELROUTE";
        _socket.Request(message.Finish(), sequence, $"{verb} {route}", static e => e switch
        {
            Errno.EEXIST => "that route is already in the table",
            Errno.ESRCH => "no such route in the table",
            Errno.ENETDOWN => "the device is down; bring it up first",
            Errno.ENETUNREACH => "the gateway is not reachable through any interface",
            _ => Errno.CommonHint(e),
        });
    }

    private void ChangeRule(ushort type, ushort flags, RoutingRule rule)
    {
        if (rule.Family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException($"rule {rule}: the family must be InterNetwork or InterNetworkV6", nameof(rule));
        if (rule.InputInterface is not null)
            TunName.Validate(rule.InputInterface);
        Span<byte> buffer = stackalloc byte[RequestBufferSize];
        var sequence = _socket.NextSequence();
        var message = new NetlinkMessageWriter(buffer, type, (ushort)(NLM_F_REQUEST | NLM_F_ACK | flags), sequence);
        var header = message.Reserve(FibRuleHeaderSize);
        header[0] = rule.Family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        header[4] = rule.Table > byte.MaxValue ? RT_TABLE_UNSPEC : (byte)rule.Table;
        header[7] = FR_ACT_TO_TBL;
        var ruleFlags = rule.Invert ? FIB_RULE_INVERT : 0;
        MemoryMarshal.Write(header[8..], in ruleFlags);
        message.AddUInt32(FRA_PRIORITY, rule.Priority);
        message.AddUInt32(FRA_TABLE, rule.Table);
        if (rule.FwMark is { } mark)
            message.AddUInt32(FRA_FWMARK, mark);
        if (rule.FwMask is { } mask)
            message.AddUInt32(FRA_FWMASK, mask);
        if (rule.SuppressPrefixLength is { } suppress)
            message.AddUInt32(FRA_SUPPRESS_PREFIXLEN, unchecked((uint)suppress));
        if (rule.InputInterface is not null)
            message.AddString(FRA_IIFNAME, rule.InputInterface);
        var verb = type == RTM_NEWRULE ? "RTM_NEWRULE" : "RTM_DELRULE";
        _socket.Request(message.Finish(), sequence, $"{verb} {rule}", static e => e switch
        {
            Errno.EEXIST => "an identical rule exists; see 'ip rule'",
            Errno.ENOENT => "no such rule; see 'ip rule'",
            _ => Errno.CommonHint(e),
        });
    }

    private static void WriteIfInfo(Span<byte> header, int index, uint flags, uint change)
    {
        MemoryMarshal.Write(header[4..], in index);
        MemoryMarshal.Write(header[8..], in flags);
        MemoryMarshal.Write(header[12..], in change);
    }

    private static NetworkLink ParseLink(ReadOnlySpan<byte> payload)
    {
        var index = MemoryMarshal.Read<int>(payload[4..]);
        var flags = MemoryMarshal.Read<uint>(payload[8..]);
        string name = "";
        int mtu = 0;
        int? minMtu = null, maxMtu = null;
        string? kind = null;
        TunLinkInfo? tun = null;
        var attributes = new NetlinkAttributeReader(payload[IfInfoSize..]);
        while (attributes.TryNext(out var type, out var value))
        {
            switch (type)
            {
                case IFLA_IFNAME: name = ReadString(value); break;
                case IFLA_MTU: mtu = MemoryMarshal.Read<int>(value); break;
                case IFLA_MIN_MTU: minMtu = MemoryMarshal.Read<int>(value); break;
                case IFLA_MAX_MTU: maxMtu = MemoryMarshal.Read<int>(value); break;
                case IFLA_LINKINFO: ParseLinkInfo(value, out kind, out tun); break;
            }
        }
        return new NetworkLink(index, name, mtu, minMtu, maxMtu, (flags & IFF_UP) != 0, kind, tun);
    }

    private static void ParseLinkInfo(ReadOnlySpan<byte> linkInfo, out string? kind, out TunLinkInfo? tun)
    {
        kind = null;
        tun = null;
        var data = ReadOnlySpan<byte>.Empty;
        var attributes = new NetlinkAttributeReader(linkInfo);
        while (attributes.TryNext(out var type, out var value))
        {
            if (type == IFLA_INFO_KIND)
                kind = ReadString(value);
            else if (type == IFLA_INFO_DATA)
                data = value;
        }
        if (kind != "tun" || data.IsEmpty)
            return;
        bool tap = false, multiQueue = false, persistent = false;
        var tunAttributes = new NetlinkAttributeReader(data);
        while (tunAttributes.TryNext(out var type, out var value))
        {
            switch (type)
            {
                case IFLA_TUN_TYPE: tap = value[0] == TunTypeTap; break;
                case IFLA_TUN_MULTI_QUEUE: multiQueue = value[0] != 0; break;
                case IFLA_TUN_PERSIST: persistent = value[0] != 0; break;
            }
        }
        tun = new TunLinkInfo(tap, multiQueue, persistent);
    }

    private static (RouteLookup Lookup, int DestinationLength, uint Table, byte Type, uint Metric) ParseRoute(ReadOnlySpan<byte> payload)
    {
        var destinationLength = payload[1];
        uint table = payload[4];
        var type = payload[7];
        var index = 0;
        uint metric = 0;
        IPAddress? gateway = null;
        int? mtu = null;
        var attributes = new NetlinkAttributeReader(payload[RtMsgSize..]);
        while (attributes.TryNext(out var attribute, out var value))
        {
            switch (attribute)
            {
                case RTA_OIF: index = MemoryMarshal.Read<int>(value); break;
                case RTA_GATEWAY: gateway = new IPAddress(value); break;
                case RTA_PRIORITY: metric = MemoryMarshal.Read<uint>(value); break;
                case RTA_TABLE: table = MemoryMarshal.Read<uint>(value); break;
                case RTA_METRICS:
                    var metrics = new NetlinkAttributeReader(value);
                    while (metrics.TryNext(out var metricType, out var metricValue))
                    {
                        if (metricType == RTAX_MTU && metricValue.Length >= 4)
                            mtu = MemoryMarshal.Read<int>(metricValue);
                    }
                    break;
            }
        }
        return (new RouteLookup(index, gateway, mtu), destinationLength, table, type, metric);
    }

    private static string ReadString(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value.TrimEnd((byte)0));
}

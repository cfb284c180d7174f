using Microsoft.Extensions.Logging;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// <c>--icmp forward</c>: ICMP and ICMPv6 echo requests read from the TUN leave on the direct path
/// (whatever the outbound: SOCKS5 and HTTP CONNECT carry no ICMP), on sockets carrying the
/// loop-prevention mark and interface, and the replies come back into the TUN as if the remote had
/// answered the app itself. Per family it uses ping sockets when net.ipv4.ping_group_range allows
/// them and otherwise a raw socket (CAP_NET_RAW), as ping(8) does; when neither is allowed for IPv4
/// it refuses to start with a message naming the sysctl, rather than drop every echo silently.
/// </summary>
public sealed partial class IcmpEchoForwarder : IDisposable
{
    private readonly ILogger _logger;
    private readonly IcmpEchoPath? _ipv4;
    private readonly IcmpEchoPath? _ipv6;
    private string? _problem;
    private long _ignored;

    /// <param name="replyQueue">Where replies are written (from socket threads).</param>
    /// <param name="mtu">The TUN's MTU: the largest reply written back.</param>
    /// <param name="socketOptions">Mark and interface for every echo socket.</param>
    /// <param name="options">Mapping bounds; defaults when null.</param>
    /// <param name="tasks">Receives the receive loops, so shutdown can wait for them.</param>
    /// <param name="logger">Start-up choice and problems.</param>
    /// <param name="time">The clock for idle expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="InvalidOperationException">Neither ping nor raw ICMP sockets can be opened for IPv4.</exception>
    public IcmpEchoForwarder(ITunQueue replyQueue, int mtu, OutboundSocketOptions socketOptions, IcmpForwardingOptions? options,
        RunningTasks tasks, ILogger logger, TimeProvider? time = null)
    {
        _logger = logger;
        options ??= new IcmpForwardingOptions();
        time ??= TimeProvider.System;
        _ipv4 = Open(false, replyQueue, mtu, socketOptions, options, tasks, time)
            ?? throw new InvalidOperationException($"--icmp forward cannot send echo requests: {_problem}. Allow ping sockets for root with "
                + "'sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"', run with CAP_NET_RAW, or use --icmp reply");
        try
        {
            _ipv6 = Open(true, replyQueue, mtu, socketOptions, options, tasks, time);
            if (_ipv6 is null)
                LogIpv6Unavailable(_problem!);
        }
        catch
        {
            _ipv4.Dispose();
            throw;
        }
    }

    /// <summary>The kind of socket IPv4 echoes leave on.</summary>
    public IcmpEchoSocketKind Ipv4Kind => _ipv4!.Kind;

    /// <summary>The kind of socket IPv6 echoes leave on, or null when IPv6 echoes are dropped (no IPv6 here).</summary>
    public IcmpEchoSocketKind? Ipv6Kind => _ipv6?.Kind;

    /// <summary>Echo mappings open now, both families.</summary>
    public int Mappings => (_ipv4?.Mappings ?? 0) + (_ipv6?.Mappings ?? 0);

    /// <summary>Echo requests sent on.</summary>
    public long Forwarded => (_ipv4?.Sent ?? 0) + (_ipv6?.Sent ?? 0);

    /// <summary>Echo replies written into the TUN.</summary>
    public long Replies => (_ipv4?.Replies ?? 0) + (_ipv6?.Replies ?? 0);

    /// <summary>Requests that could not be sent and replies that could not be delivered.</summary>
    public long Dropped => (_ipv4?.Dropped ?? 0) + (_ipv6?.Dropped ?? 0);

    /// <summary>ICMP packets that were not echo requests to forward (other types, malformed, to multicast).</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>
    /// Forwards <paramref name="packet"/> when it is an echo request; false when it was ignored or
    /// could not be sent. Called by a TUN queue's loop; the packet may be changed in place.
    /// </summary>
    public bool Forward(Span<byte> packet)
    {
        if (!IcmpEchoRequest.TryParse(packet, out var request) || (request.App.IsIPv6 ? _ipv6 : _ipv4) is not { } path)
        {
            Interlocked.Increment(ref _ignored);
            return false;
        }
        return path.Send(request);
    }

    /// <summary>Closes mappings idle for longer than <see cref="IcmpForwardingOptions.IdleTimeout"/>; call about once a second.</summary>
    public void ExpireIdle()
    {
        _ipv4?.ExpireIdle();
        _ipv6?.ExpireIdle();
    }

    /// <summary>Closes every socket; the receive loops then end.</summary>
    public void Dispose()
    {
        _ipv4?.Dispose();
        _ipv6?.Dispose();
    }

    private IcmpEchoPath? Open(bool ipv6, ITunQueue replyQueue, int mtu, OutboundSocketOptions socketOptions, IcmpForwardingOptions options,
        RunningTasks tasks, TimeProvider time)
    {
        switch (IcmpSockets.Probe(ipv6, out _problem))
        {
            case IcmpEchoSocketKind.Ping:
                LogUsingPingSockets(ipv6 ? "IPv6" : "IPv4");
                return new PingSocketEchoPath(ipv6, replyQueue, mtu, socketOptions, options, tasks, time);
            case IcmpEchoSocketKind.Raw:
                LogUsingRawSocket(ipv6 ? "IPv6" : "IPv4", IcmpSockets.DescribePingGroupRange());
                return new RawSocketEchoPath(ipv6, replyQueue, socketOptions, options, tasks, time);
            default:
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "icmp forward: {Family} echo requests leave on ping sockets")]
    private partial void LogUsingPingSockets(string family);

    [LoggerMessage(Level = LogLevel.Information, Message = "icmp forward: {Family} echo requests leave on a raw ICMP socket ({Reason}, which refuses ping sockets to us)")]
    private partial void LogUsingRawSocket(string family, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "icmp forward: IPv6 echo requests are dropped: {Problem}")]
    private partial void LogIpv6Unavailable(string problem);
}

using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// One address family's way out for forwarded echo requests: a bounded, idle-expiring table of
/// mappings keyed by the app's address and echo identifier, sockets of one <see cref="IcmpEchoSocketKind"/>,
/// and the receive loops that turn replies into packets for the TUN.
/// </summary>
internal abstract class IcmpEchoPath : IDisposable
{
    private readonly ITunQueue _replyQueue;
    private readonly RunningTasks _tasks;
    private long _sent, _replies, _dropped;

    protected IcmpEchoPath(bool isIPv6, ITunQueue replyQueue, OutboundSocketOptions socketOptions, RunningTasks tasks)
    {
        IsIPv6 = isIPv6;
        _replyQueue = replyQueue;
        SocketOptions = socketOptions;
        _tasks = tasks;
    }

    public bool IsIPv6 { get; }

    public abstract IcmpEchoSocketKind Kind { get; }

    /// <summary>Mappings in the table.</summary>
    public abstract int Mappings { get; }

    public long Sent => Interlocked.Read(ref _sent);
    public long Replies => Interlocked.Read(ref _replies);
    public long Dropped => Interlocked.Read(ref _dropped);

    protected OutboundSocketOptions SocketOptions { get; }

    protected AddressFamily Family => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>Sends the request on; false (counted) when it could not be sent. Called by a TUN queue's loop.</summary>
    public bool Send(IcmpEchoRequest request)
    {
        bool sent;
        try
        {
            sent = SendCore(request);
        }
        catch (SocketException)
        {
            // No route, a full buffer, an ICMP error for an earlier request: echo is lossy, like UDP.
            sent = false;
        }
        Interlocked.Increment(ref sent ? ref _sent : ref _dropped);
        return sent;
    }

    /// <summary>Closes the mappings idle for longer than the idle timeout.</summary>
    public abstract void ExpireIdle();

    public abstract void Dispose();

    /// <summary>Sends one request (creating its mapping when new); may throw <see cref="SocketException"/>.</summary>
    protected abstract bool SendCore(IcmpEchoRequest request);

    /// <summary>Registers a receive loop so that shutdown waits for it.</summary>
    protected void Track(Task receiveLoop) => _tasks.Track(receiveLoop);

    /// <summary>
    /// Turns a received echo reply (the ICMP message at <paramref name="messageOffset"/> in
    /// <paramref name="reply"/>) into a packet from <paramref name="remote"/> to the app and writes it
    /// into the TUN. Anything but an echo reply is dropped.
    /// </summary>
    protected void WriteReply(PacketBuffer reply, int messageOffset, int messageLength, UInt128 remote, NatEndpoint app)
    {
        var length = IcmpEchoReplyBuilder.TryBuild(reply.Array, messageOffset, messageLength, remote, app);
        if (length == 0)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        reply.Offset = messageOffset - (length - messageLength);
        reply.Length = length;
        _replyQueue.Write(new ReadOnlySpan<PacketBuffer>(in reply));
        Interlocked.Increment(ref _replies);
    }
}

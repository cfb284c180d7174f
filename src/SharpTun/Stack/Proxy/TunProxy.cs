using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SharpTun.Dns;
using SharpTun.Host;
using SharpTun.Modify;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Relay;
using SharpTun.Stack.Nat;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The transparent proxy on the system stack (see ARCHITECTURE.md, "How data flows"). One event
/// loop per TUN queue (<see cref="TunQueueLoop"/>) reads batches and dispatches: TCP goes through
/// the NAT to the kernel's own TCP (our listener accepts it, and the loop that read its SYN relays
/// it to the outbound), UDP goes to a full-cone association per app endpoint, ICMP echo is answered
/// locally or forwarded (<see cref="IcmpEchoForwarder"/>). A new TCP flow's outbound is connected
/// before its SYN reaches the kernel, so a refused or rejected flow ends as an RST, never as
/// "connected, then closed".
/// </summary>
public sealed partial class TunProxy : IAsyncDisposable
{
    /// <summary>Packets read per wake-up of a queue's loop.</summary>
    public const int BatchSize = 64;

    /// <summary>An outbound connection the app never came to accept (it gave up) is closed after this.</summary>
    private static readonly TimeSpan UnclaimedFlowTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the accept loop pauses after accept() fails (no file descriptors or memory left).</summary>
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How long shutdown waits for aborted flows and receive loops to finish before it gives up on them.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(5);

    private readonly TunProxyOptions _options;
    private readonly IReadOnlyList<ITunQueue> _queues;
    private readonly NatListeners _listeners;
    private readonly FlowRouter _router;
    private readonly TunDns? _dns;
    private readonly FakeIpPool? _fakeIps;
    // Carries DNS over TCP to the DNS listener: a plain loopback connection, without the outbound socket options.
    private readonly DirectOutbound? _dnsOutbound;
    private readonly PcapWriter? _pcap;
    // Writes from outside the reader loops (UDP replies) go through this: recorded when capturing.
    private readonly ITunQueue _replyQueue;
    private readonly ILogger _logger;
    private readonly TcpNatTable _tcp;
    private readonly TcpNatRewriter _rewriter;
    private readonly UdpFlowTable _udp;
    private readonly IcmpEchoForwarder? _icmp;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TunQueueLoop> _loops = [];
    private readonly List<Task> _acceptLoops = [];
    // Connects and relays: shutdown lets them end by themselves for a while before aborting them.
    private readonly RunningTasks _flows = new();
    private readonly UnclaimedFlows _unclaimed = new(UnclaimedFlowTimeout);
    // Receive loops and timers: they end when shutdown closes what they wait on.
    private readonly RunningTasks _background = new();
    private ITimer? _expiry;
    private long _tcpFlows, _tcpRefused, _udpDropped;
    private int _poolExhaustionLogged;
    private int _accepting;
    private int _disposed;

    /// <param name="options">Addresses, MTU, ICMP and UDP settings.</param>
    /// <param name="queues">The TUN's queues; one event loop each.</param>
    /// <param name="listeners">Listening sockets on the TUN addresses (made in the TUN's namespace).</param>
    /// <param name="router">Picks each flow's outbound.</param>
    /// <param name="dns">The DNS server queries entering the device get, or null to proxy them like any UDP flow.</param>
    /// <param name="pcap">Records every packet read from and written to the TUN, or null.</param>
    /// <param name="logger">One line per flow, and failures.</param>
    public TunProxy(TunProxyOptions options, IReadOnlyList<ITunQueue> queues, NatListeners listeners, FlowRouter router,
        TunDns? dns, PcapWriter? pcap, ILogger logger)
    {
        _options = options;
        _queues = queues;
        _listeners = listeners;
        _router = router;
        _dns = dns;
        _fakeIps = dns?.Server.Pool;
        _dnsOutbound = dns is null ? null : new DirectOutbound(new OutboundOptions(), logger);
        _pcap = pcap;
        _replyQueue = pcap is null ? queues[0] : new PcapTunQueue(queues[0], pcap);
        _logger = logger;
        var ipv4Pool = new NatPool(options.Ipv4.Network, options.Ipv4.Address, options.NatPool);
        var ipv6Pool = options.Ipv6 is { } v6 ? new NatPool(v6.Network, v6.Address, options.NatPool) : null;
        _tcp = new TcpNatTable(new TcpNatOptions { ListenerPort = listeners.Port }, ipv4Pool, ipv6Pool);
        _rewriter = new TcpNatRewriter(_tcp);
        _udp = new UdpFlowTable(CreateUdpAssociation,
            new UdpNatOptions { IdleTimeout = options.UdpIdleTimeout, MaximumEntries = options.UdpMaximumMappings }, _background, logger);
        if (options.Icmp == IcmpMode.Forward)
            _icmp = new IcmpEchoForwarder(_replyQueue, options.Mtu, options.IcmpSocketOptions, null, _background, logger);
    }

    /// <summary>TCP flows admitted so far.</summary>
    public long TcpFlows => Interlocked.Read(ref _tcpFlows);

    /// <summary>TCP flows refused (outbound failed, rejected, or NAT pool exhausted).</summary>
    public long TcpRefused => Interlocked.Read(ref _tcpRefused) + _tcp.RefusedPoolExhausted;

    /// <summary>TCP sessions in the NAT table now (open, connecting or closing).</summary>
    public int TcpSessions => _tcp.Count;

    /// <summary>UDP associations (one per app source endpoint) open now.</summary>
    public int UdpAssociations => _udp.Count;

    /// <summary>UDP flows (associations, one per app source endpoint) created so far.</summary>
    public long UdpFlows => _udp.Created;

    /// <summary>The DNS server, or null when DNS is proxied like any UDP flow.</summary>
    public DnsServer? Dns => _dns?.Server;

    /// <summary>Starts the queues' event loops, the accept loops and the expiry timer.</summary>
    public void Start()
    {
        var packetSize = _options.TunOffload ? VirtioNetHeader.LargestPacket : _options.Mtu;
        for (var i = 0; i < _queues.Count; i++)
            _loops.Add(new TunQueueLoop(i, _queues[i], packetSize, BatchSize, _options.BusyPoll, Dispatch, _pcap, _logger));
        foreach (var loop in _loops)
            loop.Start();
        foreach (var listener in _listeners.Sockets)
            _acceptLoops.Add(AcceptLoopAsync(listener));
        _expiry = TimeProvider.System.CreateTimer(_ => Expire(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void Expire()
    {
        _tcp.Expire();
        foreach (var flow in _unclaimed.AbandonExpired())
        {
            Unpin(flow.PinnedFakeAddress);
            LogTcpAbandoned(flow.Session.Source, flow.Session.Destination);
        }
        _udp.ExpireIdle();
        _icmp?.ExpireIdle();
        _pcap?.Flush(); // replies written outside the reader loops reach the file while we run
    }

    /// <summary>Handles one packet; returns what to write back (the packet rewritten or turned into a reply, or <paramref name="spare"/> holding one), or null.</summary>
    private PacketBuffer? Dispatch(PacketBuffer buffer, TunQueueLoop loop, PacketBuffer spare)
    {
        var packet = buffer.Packet;
        var protocol = UpperLayer(packet, out var headerLength);
        switch (protocol)
        {
            case IpProtocol.Tcp:
                return DispatchTcp(buffer, headerLength, loop, spare);
            case IpProtocol.Udp:
                return DispatchUdp(buffer, headerLength, loop);
            case IpProtocol.Icmp or IpProtocol.IcmpV6 when _icmp is not null:
                _icmp.Forward(packet);
                return null;
            case IpProtocol.Icmp or IpProtocol.IcmpV6 when _options.Icmp == IcmpMode.Reply:
                var replyLength = IcmpEchoResponder.TryAnswer(packet);
                if (replyLength == 0)
                    return null;
                buffer.Length = replyLength;
                buffer.Offload = default; // ICMP checksums are never offloaded; the reply's is complete
                return buffer;
            default:
                return null;
        }
    }

    private PacketBuffer? DispatchTcp(PacketBuffer buffer, int ipHeaderLength, TunQueueLoop loop, PacketBuffer spare)
    {
        switch (_rewriter.Rewrite(buffer.Packet, buffer.Offload.NeedsChecksum, out var session))
        {
            case NatVerdict.Forward:
                if (session!.UserState is TcpFlow { Relay: { } relay } && CarriesDataToListener(buffer.Packet, ipHeaderLength))
                    loop.ExpectClientData(relay);
                return buffer; // with its offload header: a super-packet or partial checksum goes back as it came
            case NatVerdict.NewFlow:
                Interlocked.Exchange(ref _poolExhaustionLogged, 0);
                _flows.Track(OpenTcpFlowAsync(session!, buffer.Packet.ToArray(), buffer.Offload, loop));
                return null;
            case NatVerdict.ResetPoolExhausted:
                ReportPoolExhausted(buffer.Packet);
                goto case NatVerdict.Reset;
            case NatVerdict.Reset:
                var length = TcpResetBuilder.TryBuild(buffer.Packet, spare.ReadSpace);
                if (length == 0)
                    return null;
                spare.Offset = spare.Headroom;
                spare.Length = length;
                spare.Offload = default;
                return spare;
            default:
                return null;
        }
    }

    /// <summary>Whether a rewritten segment goes to our listener and carries bytes or a FIN for the accepted socket.</summary>
    private bool CarriesDataToListener(Span<byte> packet, int ipHeaderLength)
    {
        var tcp = TcpSegment.CreateUnchecked(packet[ipHeaderLength..]);
        return tcp.DestinationPort == _listeners.Port
            && (packet.Length > ipHeaderLength + tcp.HeaderLength || (tcp.Flags & TcpFlags.Fin) != 0);
    }

    /// <summary>
    /// Logs the first SYN refused because every virtual endpoint is in use, once per exhaustion (the
    /// next admitted flow re-arms it), so a burst of refused connections is one line, not thousands.
    /// </summary>
    private void ReportPoolExhausted(Span<byte> syn)
    {
        if (Interlocked.Exchange(ref _poolExhaustionLogged, 1) != 0)
            return;
        var isIPv6 = IpPacket.GetVersion(syn) == IpVersion.V6;
        var pool = _tcp.PoolFor(isIPv6)!;
        LogPoolExhausted(isIPv6 ? "IPv6" : "IPv4", pool.InUse, pool.Capacity);
    }

    /// <summary>The upper-layer protocol and where it starts; TCP/UDP of IPv4 fragments count as none.</summary>
    private static IpProtocol UpperLayer(Span<byte> packet, out int headerLength)
    {
        headerLength = 0;
        switch (IpPacket.GetVersion(packet))
        {
            case IpVersion.V4 when Ipv4Packet.TryParse(packet, out var v4) && !v4.IsFragment:
                headerLength = v4.HeaderLength;
                return v4.Protocol;
            case IpVersion.V6 when Ipv6Packet.TryParse(packet, out var v6) && !v6.IsFragment:
                headerLength = v6.UpperLayerOffset;
                return v6.UpperLayerProtocol;
            default:
                return IpProtocol.NoNextHeader;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="grace"/> for the running flows to end. A flow moves from
    /// unclaimed (the app has its connection, the listener has not accepted it), to being accepted
    /// (claimed, its relay task not tracked yet), to a tracked task, and is counted in at least
    /// one of the three at every moment. Reading them in that order sees every flow that was there
    /// when the reading began: one seen empty cannot fill again from an earlier stage read later.
    /// </summary>
    private async Task WaitForFlowsAsync(TimeSpan grace)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) is var elapsed && elapsed < grace)
        {
            if (_unclaimed.Count > 0 || Volatile.Read(ref _accepting) > 0)
            {
                await Task.Delay(10).ConfigureAwait(false); // an accept is on its way
                continue;
            }
            if (_flows.Count == 0 || !await _flows.WaitIdleAsync(grace - elapsed).ConfigureAwait(false))
                return;
        }
    }

    /// <summary>
    /// Stops: running TCP flows get <see cref="TunProxyOptions.ShutdownGracePeriod"/> to end by
    /// themselves (the readers keep passing packets meanwhile, so an app's FIN still gets through),
    /// then whatever is left is aborted; reading, accepting and every UDP mapping stop. Returns once
    /// every flow has ended and logged its line (or, for a task that ignores the abort, after a
    /// bounded wait that is logged), so the closing summary is complete and nothing runs afterwards.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await WaitForFlowsAsync(_options.ShutdownGracePeriod).ConfigureAwait(false);
        _stopping.Cancel(); // relays abort on their loops, which keep running until the flows have ended
        _expiry?.Dispose();
        _listeners.Dispose();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        _unclaimed.AbandonAll();
        _udp.Dispose();
        _icmp?.Dispose();
        var flowsEnded = await _flows.WaitIdleAsync(AbortTimeout).ConfigureAwait(false);
        foreach (var loop in _loops)
            loop.Dispose();
        foreach (var queue in _queues)
            queue.Close();
        var backgroundEnded = await _background.WaitIdleAsync(AbortTimeout).ConfigureAwait(false);
        if (!flowsEnded || !backgroundEnded)
            LogStopTimedOut(_flows.Count + _background.Count, AbortTimeout.TotalSeconds);
        if (_icmp is not null)
            LogIcmpStopped(_icmp.Forwarded, _icmp.Replies, _icmp.Dropped);
        if (_dns is not null)
            LogDnsStopped(_dns.Server.FakeAnswers, _dns.Server.Forwarded, _dns.Server.Failed);
        LogStopped(TcpFlows, TcpRefused, UdpFlows, Interlocked.Read(ref _udpDropped));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "tcp {Source} -> {Destination} via {Outbound}: {Completion}, up {BytesUp} B, down {BytesDown} B, {Seconds:0.000} s")]
    private partial void LogTcpFlow(NatEndpoint source, string destination, string outbound, RelayCompletion completion, long bytesUp, long bytesDown, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "tcp {Source} -> {Destination} via {Outbound}: refused with RST ({Error}: {Message})")]
    private partial void LogTcpRefused(NatEndpoint source, string destination, string outbound, OutboundError error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "tcp {Source} -> {Destination}: refused with RST: the fake address belongs to no name (the app kept it from before a restart without --fake-ip-store, or from before the name was recycled)")]
    private partial void LogUnknownFakeAddress(NatEndpoint source, NatEndpoint destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "udp {Source} -> {Destination} ({Domain}): dropped: datagrams to a fake address can only go through a SOCKS5 outbound or direct")]
    private partial void LogUdpFakeUnsupported(NatEndpoint source, NatEndpoint destination, string domain);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tcp {Source} -> {Destination}: the app never completed the handshake; outbound connection closed")]
    private partial void LogTcpAbandoned(NatEndpoint source, NatEndpoint destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "udp {Source} -> {Destination}: cannot open the outbound socket: {Message}")]
    private partial void LogUdpFailed(NatEndpoint source, NatEndpoint destination, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accept on the NAT listener failed: {Message}; new connections wait in the backlog until it works again (raise the open-files limit: ulimit -n, LimitNOFILE=)")]
    private partial void LogAcceptFailed(string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "accept on the NAT listener works again")]
    private partial void LogAcceptRecovered();

    [LoggerMessage(Level = LogLevel.Warning, Message = "tcp {Source} -> {Destination}: the relay could not start: {Message}")]
    private partial void LogRelayFailed(NatEndpoint source, NatEndpoint destination, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "tcp: the {Family} NAT pool is exhausted ({InUse} of {Capacity} virtual endpoints in use); new flows are refused with RST until flows end (a larger --address subnet or a wider --nat-ports range makes room)")]
    private partial void LogPoolExhausted(string family, long inUse, long capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "icmp: {Forwarded} echo requests forwarded, {Replies} replies, {Dropped} dropped")]
    private partial void LogIcmpStopped(long forwarded, long replies, long dropped);

    [LoggerMessage(Level = LogLevel.Information, Message = "dns: {FakeAnswers} fake answers, {Forwarded} queries sent upstream, {Failed} failed")]
    private partial void LogDnsStopped(long fakeAnswers, long forwarded, long failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopping: {Count} flow tasks were still running {Seconds} s after they were aborted; not waiting for them")]
    private partial void LogStopTimedOut(int count, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped: {TcpFlows} tcp flows, {TcpRefused} refused, {UdpMappings} udp mappings, {UdpDropped} udp datagrams dropped")]
    private partial void LogStopped(long tcpFlows, long tcpRefused, long udpMappings, long udpDropped);
}

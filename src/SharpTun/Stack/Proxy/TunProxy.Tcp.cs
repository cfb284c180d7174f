using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Relay;
using SharpTun.Proxy.Rules;
using SharpTun.Proxy.Sniffers;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

// TCP: opening a flow (route, sniff, connect, admit its SYN), accepting it, relaying it.
public sealed partial class TunProxy
{
    private async Task OpenTcpFlowAsync(TcpNatSession session, byte[] syn, VirtioNetHeader synOffload, TunQueueLoop loop)
    {
        var start = Stopwatch.GetTimestamp();
        var target = session.Destination;
        NatEndpoint? pinned = null;
        string? domain = null;
        if (_fakeIps is not null && _fakeIps.IsFake(target))
        {
            // Pinned first: the name cannot be recycled between reading it and the flow's end.
            if (!_fakeIps.Pin(target) || !_fakeIps.TryGetDomain(target, out domain))
            {
                LogUnknownFakeAddress(session.Source, target);
                RefuseWithReset(session, syn, loop);
                return;
            }
            pinned = target;
        }
        else if (_dns is null || !_dns.Serves(target))
        {
            if (ShouldSniff(target))
            {
                AdmitDeferred(session, syn, synOffload, loop, start);
                return;
            }
        }

        string outboundName;
        ProxyDestination destination;
        OutboundConnectResult result;
        try
        {
            (var outbound, outboundName, destination) = await RouteTcpAsync(session, domain, sniffed: false).ConfigureAwait(false);
            result = await outbound.ConnectTcpAsync(destination, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Unpin(pinned);
            _tcp.Refuse(session);
            return;
        }
        if (result.Connection is { } connection)
        {
            var flow = new TcpFlow(session, outboundName, connection, start) { Loop = loop, Domain = domain, PinnedFakeAddress = pinned };
            session.UserState = flow;
            if (_tcp.Admit(session) && _rewriter.Rewrite(syn, synOffload.NeedsChecksum, out _) == NatVerdict.Forward)
            {
                Interlocked.Increment(ref _tcpFlows);
                _unclaimed.Add(flow); // before the SYN goes out: the accept that claims it may come at once
                WritePacket(loop.Queue, syn, synOffload);
                return;
            }
            flow.Abandon(); // the session expired or was refused while we connected
            Unpin(pinned);
            return;
        }

        Unpin(pinned);
        LogTcpRefused(session.Source, destination.ToString(), outboundName, result.Error, result.Message);
        RefuseWithReset(session, syn, loop);
    }

    /// <summary>
    /// The outbound of a flow, its name for the log line, and the destination to ask it for: the
    /// domain when one is known and the outbound carries names or the address is fake (the direct
    /// outbound resolves it), else the address the app connected to. A sniffed domain goes to proxies
    /// only: the direct path keeps the address the app chose.
    /// </summary>
    private async ValueTask<(IOutbound Outbound, string Name, ProxyDestination Destination)> RouteTcpAsync(TcpNatSession session, string? domain, bool sniffed)
    {
        var target = session.Destination;
        if (_dns is not null && _dns.Serves(target))
            return (_dnsOutbound!, "dns", ProxyDestination.FromEndPoint(_dns.TcpEndPoint));
        var processName = _router.UsesProcessNames && _options.ProcessNames is { } lookup
            ? await lookup(RuleNetwork.Tcp, session.Source, target, _stopping.Token).ConfigureAwait(false)
            : null;
        var (routed, reason) = await _router.DecideAsync(RuleNetwork.Tcp, session.Source, target, domain, processName, _stopping.Token).ConfigureAwait(false);
        var name = reason == "default" ? routed.Description : $"{routed.Description} by {reason}";
        if (domain is not null && (!sniffed || routed.SendsDomain) && ProxyDestination.TryCreate(domain, target.Port, out var named, out _))
            return (routed.Outbound, name, named);
        return (routed.Outbound, name, ProxyDestination.FromEndPoint(target.ToIPEndPoint()));
    }

    /// <summary>
    /// Whether to learn a flow's domain from its first bytes before choosing its outbound: only on
    /// the ports of TLS and HTTP (a protocol whose server speaks first would wait for nothing), and
    /// only when a rule looks at domains. Not merely because the outbound could carry the domain:
    /// a sniffed flow is accepted before its outbound connects, so a refused destination becomes a
    /// reset of an open connection instead of a refused one; with fake-IP DNS, flows opened by name
    /// carry their domain without it.
    /// </summary>
    private bool ShouldSniff(in NatEndpoint target) =>
        _options.SniffTimeout > TimeSpan.Zero && _router.UsesDomains && _options.SniffPorts.Contains(target.Port);

    /// <summary>Lets a SYN through before the outbound is chosen: the relay sniffs the first bytes, then connects (<see cref="ConnectSniffedAsync"/>).</summary>
    private void AdmitDeferred(TcpNatSession session, byte[] syn, VirtioNetHeader synOffload, TunQueueLoop loop, long start)
    {
        var flow = new TcpFlow(session, "(sniffing)", null, start) { Loop = loop };
        session.UserState = flow;
        if (_tcp.Admit(session) && _rewriter.Rewrite(syn, synOffload.NeedsChecksum, out _) == NatVerdict.Forward)
        {
            Interlocked.Increment(ref _tcpFlows);
            _unclaimed.Add(flow);
            WritePacket(loop.Queue, syn, synOffload);
        }
    }

    /// <summary>
    /// Reads the app's first bytes for at most <see cref="TunProxyOptions.SniffTimeout"/> (and at
    /// most <see cref="DomainSniffer.MaxUsefulLength"/> of them), takes the domain from a TLS
    /// ClientHello or an HTTP Host header, then routes and connects, and sends the bytes read on.
    /// Null when the flow cannot go on: the app's side is reset (it is connected already, so an RST
    /// is the closest to "refused" left) and the refusal logged.
    /// </summary>
    private async Task<ProxyConnection?> ConnectSniffedAsync(TcpFlow flow, Socket app)
    {
        var session = flow.Session;
        var first = ArrayPool<byte>.Shared.Rent(DomainSniffer.MaxUsefulLength);
        try
        {
            var read = 0;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                wait.CancelAfter(_options.SniffTimeout);
                var hostName = new char[ProxyDestination.MaxDomainLength];
                try
                {
                    while (read < DomainSniffer.MaxUsefulLength)
                    {
                        var received = await app.ReceiveAsync(first.AsMemory(read, DomainSniffer.MaxUsefulLength - read), SocketFlags.None, wait.Token).ConfigureAwait(false);
                        if (received == 0)
                            break; // the app's FIN stays queued behind the bytes: the relay passes it on
                        read += received;
                        var sniffed = DomainSniffer.Sniff(first.AsSpan(0, read), hostName);
                        if (sniffed.Status == SniffStatus.NeedMore)
                            continue;
                        if (sniffed.Status == SniffStatus.Found)
                            flow.Domain = new string(hostName, 0, sniffed.HostNameLength);
                        break;
                    }
                }
                catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                {
                    // Nothing (more) came in time: decide on what is known.
                }
            }
            var (outbound, name, destination) = await RouteTcpAsync(session, flow.Domain, sniffed: true).ConfigureAwait(false);
            flow.OutboundName = name;
            var result = await outbound.ConnectTcpAsync(destination, _stopping.Token).ConfigureAwait(false);
            if (result.Connection is not { } connection)
            {
                Interlocked.Increment(ref _tcpRefused);
                LogTcpRefused(session.Source, destination.ToString(), name, result.Error, result.Message);
                Reset(app);
                return null;
            }
            if (read > 0)
                await connection.SendAsync(first.AsMemory(0, read), _stopping.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            Reset(app); // the app reset, the outbound failed while we sent, or we are stopping
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
        }
    }

    /// <summary>Closes an accepted connection with an RST (SO_LINGER 0), not a FIN: the app must not take it for a complete answer.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // already reset by the app
        }
        socket.Dispose();
    }

    /// <summary>Refuses a flow whose SYN is held: the NAT forgets it and the app gets an RST.</summary>
    private void RefuseWithReset(TcpNatSession session, byte[] syn, TunQueueLoop loop)
    {
        Interlocked.Increment(ref _tcpRefused);
        _tcp.Refuse(session);
        var reset = new byte[TcpResetBuilder.MaximumLength];
        var length = TcpResetBuilder.TryBuild(syn, reset);
        if (length > 0)
            WritePacket(loop.Queue, reset.AsSpan(0, length), default);
    }

    /// <summary>A flow to a fake address ended: its name may be recycled again once no flow holds it.</summary>
    private void Unpin(NatEndpoint? fakeAddress)
    {
        if (fakeAddress is { } address)
            _fakeIps?.Unpin(address);
    }

    /// <summary>"example.org:443 (198.18.0.7)" when the flow's domain is known, else the address.</summary>
    private static string Describe(TcpFlow flow) =>
        flow.Domain is { } domain ? $"{domain}:{flow.Session.Destination.Port} ({flow.Session.Destination.ToIPEndPoint().Address})" : flow.Session.Destination.ToString();

    /// <summary>Writes one packet built outside the reader loop (a flow's admitted SYN, or its RST).</summary>
    private void WritePacket(ITunQueue queue, ReadOnlySpan<byte> packet, VirtioNetHeader offload)
    {
        var buffer = new PacketBuffer(PacketBuffer.DefaultHeadroom + packet.Length) { Length = packet.Length, Offload = offload };
        buffer.Offset = buffer.Headroom;
        packet.CopyTo(buffer.Packet);
        _pcap?.Write(packet);
        queue.Write([buffer]);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var acceptFailing = false;
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors or memory: the connection stays in the backlog, so pause
                // instead of spinning on accept() (nginx does the same), and say so once per episode.
                if (!acceptFailing)
                    LogAcceptFailed(e.Message);
                acceptFailing = true;
                try
                {
                    await Task.Delay(AcceptRetryDelay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (acceptFailing)
                LogAcceptRecovered();
            acceptFailing = false;
            // Counted while RelayAsync claims the flow and until its task is tracked (see WaitForFlowsAsync).
            Interlocked.Increment(ref _accepting);
            _flows.Track(RelayAsync(accepted));
            Interlocked.Decrement(ref _accepting);
        }
    }

    private async Task RelayAsync(Socket accepted)
    {
        var peer = NatEndpoint.FromIPEndPoint((IPEndPoint)accepted.RemoteEndPoint!);
        if (!_tcp.TryGetByVirtualEndpoint(peer, out var session) || session.UserState is not TcpFlow flow || !_unclaimed.TryClaim(flow, out var outbound))
        {
            accepted.Dispose(); // not one of ours, or given up already
            return;
        }
        try
        {
            if (flow.Deferred)
                outbound = await ConnectSniffedAsync(flow, accepted).ConfigureAwait(false);
            if (outbound is not null)
                await RelayClaimedAsync(flow, accepted, outbound).ConfigureAwait(false);
        }
        finally
        {
            Unpin(flow.PinnedFakeAddress);
        }
    }

    private async Task RelayClaimedAsync(TcpFlow flow, Socket accepted, ProxyConnection outbound)
    {
        var session = flow.Session;
        accepted.NoDelay = true;
        outbound.Socket.NoDelay = true;
        using var app = new ProxyConnection(accepted);
        using (outbound)
        {
            var loop = flow.Loop!;
            var relay = ConnectionRelay.Start(loop.Loop, app, outbound, _stopping.Token, afterClientSend: loop);
            flow.Relay = relay;
            RelayResult result;
            try
            {
                result = await relay.Completion.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                LogRelayFailed(session.Source, session.Destination, e.Message);
                return;
            }
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var seconds = Stopwatch.GetElapsedTime(flow.StartTimestamp).TotalSeconds;
                LogTcpFlow(session.Source, Describe(flow), flow.OutboundName, result.Completion, result.BytesUp, result.BytesDown, seconds);
            }
        }
    }
}

using System.Net.Sockets;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The outbound side of one app UDP source endpoint S:sp (full cone: one association carries its
/// datagrams to every destination, and any remote may answer). Datagrams from the app go out with
/// <see cref="Send"/>, called by a TUN queue's loop; a receive loop turns each answer into an IP/UDP
/// packet from the remote to S:sp and writes it into the TUN. Ended by the UDP NAT table (idle
/// timeout, eviction, shutdown) or by its own outbound failing; it counts what it carried, for the
/// line <see cref="UdpFlowTable"/> logs when it ends.
/// </summary>
public abstract class UdpAssociation : IDisposable
{
    /// <summary>Receive buffer: headroom for the IP/UDP headers, then room for any UDP payload.</summary>
    private const int BufferLength = UdpReplyBuilder.Headroom + ushort.MaxValue;

    /// <summary><see cref="_endReason"/> before the association has ended.</summary>
    private const int NotEnded = -1;

    private readonly ITunQueue _queue;
    private readonly PacketBuffer[] _reply;
    private readonly CancellationTokenSource _closed = new();
    private Task? _receiving;
    private long _datagramsOut, _datagramsIn, _bytesOut, _bytesIn;
    private int _endReason = NotEnded;
    private string? _failure;

    private FakeReplySource? _fakeReplySource;
    private Action? _replied;
    private long _lastReplyNoted = long.MinValue / 2;

    protected UdpAssociation(NatEndpoint app, ITunQueue queue)
    {
        App = app;
        _queue = queue;
        _reply = [new PacketBuffer(BufferLength, headroom: 0)];
    }

    /// <summary>The app's source endpoint S:sp this association serves.</summary>
    public NatEndpoint App { get; }

    /// <summary>Datagrams from the app sent on (a SOCKS5 flow counts one held while it opens, and takes it back if it never goes).</summary>
    public long DatagramsOut => Interlocked.Read(ref _datagramsOut);

    /// <summary>Answers written into the TUN.</summary>
    public long DatagramsIn => Interlocked.Read(ref _datagramsIn);

    /// <summary>UDP payload bytes of <see cref="DatagramsOut"/>.</summary>
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>UDP payload bytes of <see cref="DatagramsIn"/>.</summary>
    public long BytesIn => Interlocked.Read(ref _bytesIn);

    /// <summary>The outbound it goes through and why, for its log line.</summary>
    public string OutboundName { get; set; } = "";

    /// <summary>
    /// The fake-IP pool, when DNS answers with fake addresses: a datagram to one goes to its name
    /// (SOCKS5 carries the name; the direct path resolves it), and answers come back from it.
    /// </summary>
    public SharpTun.Dns.FakeIpPool? FakeAddresses { get; set; }

    /// <summary>Where the app sent datagrams through this association.</summary>
    public UdpDestinations Destinations { get; } = new();

    /// <summary>Why it ended; null while open, and after a bare <see cref="Dispose"/> (an association never mapped).</summary>
    public UdpMappingEnd? EndReason => Volatile.Read(ref _endReason) is var reason and not NotEnded ? (UdpMappingEnd)reason : null;

    /// <summary>What went wrong when <see cref="EndReason"/> is <see cref="UdpMappingEnd.Failed"/>.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    protected CancellationToken Closed => _closed.Token;

    /// <summary>The loop carrying answers into the TUN; it completes after <see cref="Dispose"/>.</summary>
    public Task Receiving => _receiving ?? Task.CompletedTask;

    /// <summary>Sends <paramref name="payload"/> from the app to <paramref name="destination"/>; false when it could not be sent.</summary>
    public bool Send(NatEndpoint destination, ArraySegment<byte> payload)
    {
        if (_closed.IsCancellationRequested)
            return false;
        Destinations.Note(destination);
        if (!SendCore(destination, payload))
            return false;
        Interlocked.Increment(ref _datagramsOut);
        Interlocked.Add(ref _bytesOut, payload.Count);
        return true;
    }

    /// <summary>
    /// Takes back one datagram of <paramref name="length"/> bytes that <see cref="SendCore"/>
    /// accepted but that never went out (held while a SOCKS5 association opened, which then failed).
    /// </summary>
    protected void UncountSent(int length)
    {
        Interlocked.Decrement(ref _datagramsOut);
        Interlocked.Add(ref _bytesOut, -length);
    }

    /// <summary>
    /// The name behind <paramref name="destination"/> when it is a fake address. Answers to it
    /// are then shown to the app as coming from that fake address: from <paramref name="real"/>
    /// when the caller knows where the datagrams really went, else from any remote on the same port
    /// that the app never sent to itself (a SOCKS5 relay reports the resolved address).
    /// </summary>
    protected bool TryGetFakeDomain(NatEndpoint destination, out string domain, NatEndpoint? real = null)
    {
        domain = "";
        if (FakeAddresses is not { } pool || !pool.IsFake(destination) || !pool.TryGetDomain(destination, out domain))
            return false;
        var current = Volatile.Read(ref _fakeReplySource);
        if (current is null || current.Fake != destination || current.Real != real)
            Volatile.Write(ref _fakeReplySource, new FakeReplySource(destination, real));
        return true;
    }

    /// <summary>Where an answer from <paramref name="remote"/> appears to come from (see <see cref="TryGetFakeDomain"/>).</summary>
    private NatEndpoint ReplySource(NatEndpoint remote)
    {
        if (Volatile.Read(ref _fakeReplySource) is not { } fake || remote.Port != fake.Fake.Port)
            return remote;
        if (fake.Real is { } real)
            return remote == real ? fake.Fake : remote;
        return FakeAddresses?.IsFake(remote) == true || Destinations.First == remote ? remote : fake.Fake;
    }

    /// <summary>Starts the loop that carries answers back into the TUN.</summary>
    protected void StartReceiving() => _receiving = ReceiveLoopAsync();

    /// <summary>Sends one datagram; must not throw for ordinary network failures.</summary>
    protected abstract bool SendCore(NatEndpoint destination, ArraySegment<byte> payload);

    /// <summary>
    /// Receives the next answer's payload into <paramref name="payload"/>; returns its length and
    /// the remote that sent it, or null when the association has ended.
    /// </summary>
    protected abstract ValueTask<(int Length, NatEndpoint Remote)?> ReceiveAsync(Memory<byte> payload, CancellationToken ct);

    /// <summary>
    /// Asks to be told, at most once a second, that a reply reached the app. The proxy uses it to keep
    /// the mapping alive while only the remote side talks (a stream pushed after one request):
    /// RFC 4787 §4.3 lets inbound traffic refresh a mapping, and without it such a flow would be cut
    /// at the idle timeout. Once a second keeps the table's lock off the per-datagram path.
    /// </summary>
    public void OnReplies(Action replied) => _replied = replied;

    /// <summary>Why <see cref="ReceiveAsync"/> returned null before the association was ended: the outbound closed it.</summary>
    protected virtual string ClosedByOutbound => "the outbound closed the association";

    private void NoteReply()
    {
        var now = Environment.TickCount64;
        if (_replied is null || now - _lastReplyNoted < 1000)
            return;
        _lastReplyNoted = now;
        _replied();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = _reply[0];
        var payload = buffer.Array.AsMemory(UdpReplyBuilder.Headroom);
        string failure;
        try
        {
            while (await ReceiveAsync(payload, _closed.Token).ConfigureAwait(false) is { } received)
            {
                // A remote of the other family (an IPv4 answer to a v6 app through a dual-stack proxy)
                // cannot be expressed as a reply packet: drop it.
                if (received.Remote.IsIPv6 != App.IsIPv6)
                    continue;
                var packet = UdpReplyBuilder.Build(buffer.Array, UdpReplyBuilder.Headroom, received.Length, ReplySource(received.Remote), App);
                buffer.Offset = UdpReplyBuilder.Headroom - (packet.Length - received.Length);
                buffer.Length = packet.Length;
                _queue.Write(_reply);
                NoteReply();
                Interlocked.Increment(ref _datagramsIn);
                Interlocked.Add(ref _bytesIn, received.Length);
            }
            failure = ClosedByOutbound;
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            return;
        }
        catch (ObjectDisposedException) when (_closed.IsCancellationRequested)
        {
            return;
        }
        catch (SocketException e)
        {
            failure = e.Message;
        }
        if (_closed.IsCancellationRequested)
            return; // ended by us: receiving stopped because of it
        Volatile.Write(ref _failure, failure);
        End(UdpMappingEnd.Failed);
    }

    /// <summary>
    /// Ends the association for <paramref name="reason"/> and disposes it; only the first reason
    /// given counts (an association that failed and is later expired ended as failed).
    /// </summary>
    public void End(UdpMappingEnd reason)
    {
        Interlocked.CompareExchange(ref _endReason, (int)reason, NotEnded);
        Dispose();
    }

    /// <summary>Closes the association without a reason: for one that was never mapped (it lost a race to be made).</summary>
    public void Dispose()
    {
        if (_closed.IsCancellationRequested)
            return;
        _closed.Cancel();
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the outbound socket or association; the receive loop then ends.</summary>
    protected abstract void DisposeCore();

    private sealed record FakeReplySource(NatEndpoint Fake, NatEndpoint? Real);
}

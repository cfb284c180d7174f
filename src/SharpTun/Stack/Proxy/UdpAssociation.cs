using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The outbound side of one app UDP source endpoint S:sp (full cone: one association carries its
/// datagrams to every destination, and any remote may answer). Datagrams from the app go out with
/// <see cref="Send"/>, called by the TUN reader; a receive loop turns each answer into an IP/UDP
/// packet from the remote to S:sp and writes it into the TUN. Disposed by the UDP NAT table on idle
/// timeout or eviction.
/// </summary>
public abstract class UdpAssociation : IDisposable
{
    /// <summary>Receive buffer: headroom for the IP/UDP headers, then room for any UDP payload.</summary>
    private const int BufferLength = UdpReplyBuilder.Headroom + ushort.MaxValue;

    private readonly ITunQueue _queue;
    private readonly PacketBuffer[] _reply;
    private readonly CancellationTokenSource _closed = new();
    private Task? _receiving;
    private long _datagramsOut, _datagramsIn, _bytesOut, _bytesIn;

    protected UdpAssociation(NatEndpoint app, ITunQueue queue)
    {
        App = app;
        _queue = queue;
        _reply = [new PacketBuffer(BufferLength, headroom: 0)];
    }

    /// <summary>The app's source endpoint S:sp this association serves.</summary>
    public NatEndpoint App { get; }

    public long DatagramsOut => Interlocked.Read(ref _datagramsOut);
    public long DatagramsIn => Interlocked.Read(ref _datagramsIn);
    public long BytesOut => Interlocked.Read(ref _bytesOut);
    public long BytesIn => Interlocked.Read(ref _bytesIn);

    protected CancellationToken Closed => _closed.Token;

    /// <summary>The loop carrying answers into the TUN; it completes after <see cref="Dispose"/>.</summary>
    public Task Receiving => _receiving ?? Task.CompletedTask;

    /// <summary>Sends <paramref name="payload"/> from the app to <paramref name="destination"/>; false when it could not be sent.</summary>
    public bool Send(NatEndpoint destination, ArraySegment<byte> payload)
    {
        if (_closed.IsCancellationRequested || !SendCore(destination, payload))
            return false;
        Interlocked.Increment(ref _datagramsOut);
        Interlocked.Add(ref _bytesOut, payload.Count);
        return true;
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

    private async Task ReceiveLoopAsync()
    {
        var buffer = _reply[0];
        var payload = buffer.Array.AsMemory(UdpReplyBuilder.Headroom);
        try
        {
            while (await ReceiveAsync(payload, _closed.Token).ConfigureAwait(false) is { } received)
            {
                // A remote of the other family (an IPv4 answer to a v6 app through a dual-stack proxy)
                // cannot be expressed as a reply packet: drop it.
                if (received.Remote.IsIPv6 != App.IsIPv6)
                    continue;
                var packet = UdpReplyBuilder.Build(buffer.Array, UdpReplyBuilder.Headroom, received.Length, received.Remote, App);
                buffer.Offset = UdpReplyBuilder.Headroom - (packet.Length - received.Length);
                buffer.Length = packet.Length;
                _queue.Write(_reply);
                Interlocked.Increment(ref _datagramsIn);
                Interlocked.Add(ref _bytesIn, received.Length);
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (_closed.IsCancellationRequested)
        {
        }
    }

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
}

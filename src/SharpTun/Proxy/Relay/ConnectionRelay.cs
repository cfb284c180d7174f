using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using SharpTun.Interop;

namespace SharpTun.Proxy.Relay;

/// <summary>
/// Copies bytes both ways between the client and remote connections of one flow, on an
/// <see cref="EventLoop"/>, until both are done.
/// <list type="bullet">
/// <item>Non-blocking: each socket is registered with the loop (level-triggered). A direction reads
/// when its source is readable and sends at once; when the destination cannot take everything, the
/// rest waits for EPOLLOUT and the source is not read meanwhile (backpressure), so a direction never
/// holds more than one buffer.</item>
/// <item>Half-close: when one side finishes sending (a read returns 0), the other side's socket gets
/// <c>Shutdown(Send)</c> (a FIN), and the opposite direction keeps flowing until it finishes too.</item>
/// <item>Reset: when one side resets (or its socket fails), the other is closed abortively (RST) so
/// the reset reaches it, and both directions stop.</item>
/// <item>Buffers: an idle direction holds no buffer. A read rents <see cref="BufferSize"/> bytes from
/// the shared pool and gives them back once the data is passed on, unless the read filled the
/// buffer (more is waiting): the direction then moves to <see cref="BulkBufferSize"/>, which costs a
/// third less CPU per byte than 64 KiB reads here (docs/benchmarks.md, "Relay buffer size").</item>
/// <item>Receive coalescing: while the remote side sends a bulk transfer, it wakes the loop only
/// once <see cref="CoalescingBytes"/> have arrived (SO_RCVLOWAT), or when <see cref="CoalescingDelay"/>
/// has passed since the relay started waiting for it, whichever is first, as a NIC moderates its
/// interrupts. A sender that delivers in 64 KiB pieces (a SOCKS server) would otherwise cost a
/// wake-up, a read, a send and their TUN packets per piece (docs/benchmarks.md, "Receive
/// coalescing"). A wait that times out with less than <see cref="BufferSize"/> read ends the
/// coalescing, so only the tail of a burst waits, once; a read of at least that much starts it again.</item>
/// </list>
/// Ordinary endings are values in the <see cref="RelayResult"/>, never exceptions. The relay has no
/// idle timeout of its own: a caller that wants one cancels the token. When <see cref="Completion"/>
/// is done both sockets are shut down or closed and no longer registered; the caller still disposes
/// both connections.
/// </summary>
public sealed class ConnectionRelay
{
    /// <summary>Bytes per read until a read fills them: 64 KiB, the largest single TSO/GRO packet.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>Bytes per read once a direction has shown it is a bulk transfer.</summary>
    public const int BulkBufferSize = 1024 * 1024;

    /// <summary>Bytes a bulk direction's source collects before the loop is woken to read them (SO_RCVLOWAT).</summary>
    public const int CoalescingBytes = 1024 * 1024;

    /// <summary>Longest a bulk direction waits for <see cref="CoalescingBytes"/> before it reads what has come.</summary>
    public static readonly TimeSpan CoalescingDelay = TimeSpan.FromMilliseconds(1);

    private static readonly long CoalescingDelayTicks = (long)(CoalescingDelay.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Most bytes dropped while draining a sender whose peer is gone, before resetting it instead.</summary>
    private const int MaximumDrainBytes = 1 << 20;

    private readonly EventLoop _loop;
    private readonly Side _client, _remote;
    private readonly Direction _up, _down;
    private readonly IReadinessHandler? _afterClientSend;
    private readonly TaskCompletionSource<RelayResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private RelaySide? _first;
    private bool _begun, _ended;
    private volatile bool _canceled;

    private ConnectionRelay(EventLoop loop, ProxyConnection client, ProxyConnection remote, IReadinessHandler? afterClientSend)
    {
        _loop = loop;
        _afterClientSend = afterClientSend;
        _client = new Side(this, client, RelaySide.Client);
        _remote = new Side(this, remote, RelaySide.Remote);
        _up = new Direction(this, _client, _remote);
        _down = new Direction(this, _remote, _client);
        _client.Outgoing = _remote.Incoming = _up;
        _remote.Outgoing = _client.Incoming = _down;
    }

    /// <summary>Ends when both directions finished, one side reset, or the token was cancelled.</summary>
    public Task<RelayResult> Completion => _completion.Task;

    /// <summary>
    /// Starts relaying on <paramref name="loop"/>. <paramref name="afterClientSend"/>, when given,
    /// runs on the loop right after the round in which the relay sent bytes to the client (the TUN
    /// reader: those bytes leave the kernel as packets on the TUN, readable at once).
    /// </summary>
    public static ConnectionRelay Start(EventLoop loop, ProxyConnection client, ProxyConnection remote, CancellationToken ct,
        IReadinessHandler? afterClientSend = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(remote);
        var relay = new ConnectionRelay(loop, client, remote, afterClientSend);
        relay._cancellation = ct.UnsafeRegister(static s => ((ConnectionRelay)s!).Cancel(), relay);
        loop.Post(static s => ((ConnectionRelay)s!).Begin(), relay);
        return relay;
    }

    /// <summary>
    /// Reads what the client sent, if anything: called on the loop by whoever knows that bytes
    /// probably arrived (the TUN queue's loop, right after writing the client's segment into the kernel),
    /// which saves waiting for the next epoll round. Does nothing off the loop thread.
    /// </summary>
    public void PumpFromClient()
    {
        if (_begun && !_ended && _loop.IsLoopThread && _up.WantsRead)
            Pump(_up);
    }

    private void Begin()
    {
        _begun = true;
        if (_canceled)
        {
            End(RelayCompletion.Canceled, abort: true);
            return;
        }
        try
        {
            _client.Open(_loop);
            _remote.Open(_loop);
        }
        catch (Exception e) when (e is InteropException or SocketException or ObjectDisposedException)
        {
            End(RelayCompletion.Canceled, abort: true, e);
            return;
        }
        var pending = _remote.Connection.TakePending();
        if (!pending.IsEmpty)
        {
            _down.Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(pending.Length, BufferSize));
            pending.CopyTo(_down.Buffer);
            _down.End = pending.Length;
        }
        Pump(_down);
        if (!_ended)
            Pump(_up);
    }

    /// <summary>The token was cancelled (any thread): end on the loop, or at <see cref="Begin"/> if that has not run yet.</summary>
    private void Cancel()
    {
        _canceled = true;
        _loop.Post(static s =>
        {
            var relay = (ConnectionRelay)s!;
            if (relay._begun && !relay._ended)
                relay.End(RelayCompletion.Canceled, abort: true);
        }, this);
    }

    private void OnReady(Side side, uint events)
    {
        if (_ended)
            return;
        var reading = side.Outgoing.WantsRead;
        var writing = side.Incoming.HasPending;
        if ((events & Libc.EPOLLOUT) != 0 && writing)
            Pump(side.Incoming);
        if (!_ended && (events & (Libc.EPOLLIN | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0 && side.Outgoing.WantsRead)
            Pump(side.Outgoing);
        // An error or hang-up on a socket we neither read nor write: level-triggered, it would be
        // reported again and again, so it is handled now.
        if (!_ended && (events & (Libc.EPOLLERR | Libc.EPOLLHUP)) != 0 && !reading && !writing)
        {
            if ((events & Libc.EPOLLERR) == 0 && !side.Outgoing.Finished)
            {
                // A hang-up (its FIN arrived and we finished sending to it) while its last bytes
                // wait behind backpressure: stop watching it until the destination has room again.
                side.Park();
            }
            else if (side.Outgoing.Finished)
            {
                // It sent its whole answer and FIN, then reset (a server that closes without reading
                // the rest): as when a send to it fails, the answer still reaches the other side and
                // whatever that side sends from now on is dropped (see DestinationFailed).
                side.Close(abort: false);
                side.Incoming.Discarding = true;
            }
            else
            {
                Reset(side.Kind); // it failed while it waited behind backpressure
            }
        }
    }

    /// <summary>
    /// Passes on what is pending, then reads and passes on until the source has nothing more, the
    /// destination is full, or the relay ends. <paramref name="timedOut"/>: the coalescing wait
    /// ended by its deadline, and the first read decides whether the burst goes on.
    /// </summary>
    private void Pump(Direction d, bool timedOut = false)
    {
        while (!_ended)
        {
            if (d.HasPending && !Flush(d))
                return;
            if (d.Finished)
                return;
            d.Buffer ??= ArrayPool<byte>.Shared.Rent(d.Size);
            var count = d.Source.Socket.Receive(d.Buffer.AsSpan(0, d.Size), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                if (timedOut)
                    Coalesce(d, false);
                WaitForSource(d);
                return;
            }
            if (error != SocketError.Success)
            {
                Reset(d.Source.Kind);
                return;
            }
            if (count == 0)
            {
                Finish(d);
                return;
            }
            if (d.Discarding)
            {
                d.Discarded += count;
                if (d.Discarded >= MaximumDrainBytes)
                {
                    d.Source.Close(abort: true);
                    Finish(d);
                }
                continue;
            }
            if (timedOut || !d.Coalescing && d.Size == BulkBufferSize)
                Coalesce(d, count >= BufferSize);
            timedOut = false;
            d.Start = 0;
            d.End = count;
            var filled = count == d.Size;
            if (!Flush(d))
                return;
            if (!filled)
            {
                // Probably all there was; the loop reports the source again if more came meanwhile.
                WaitForSource(d);
                return;
            }
            if (d.Size < BulkBufferSize)
            {
                d.ReturnBuffer();
                d.Size = BulkBufferSize; // a full read: more is waiting, in bigger reads from now on
                Coalesce(d, true);
            }
        }
    }

    /// <summary>Waits for <paramref name="d"/>'s source to be readable, and while coalescing, for its deadline too.</summary>
    private void WaitForSource(Direction d)
    {
        d.ReturnBuffer();
        d.Source.Refresh();
        if (!d.Coalescing)
            return;
        d.Deadline = Stopwatch.GetTimestamp() + CoalescingDelayTicks;
        _loop.RunAt(d, d.Deadline);
    }

    /// <summary>The deadline of a coalescing wait passed: read what has come, unless the wait ended meanwhile.</summary>
    private void OnCoalescingDeadline(Direction d)
    {
        if (!_ended && d.Coalescing && d.WantsRead && Stopwatch.GetTimestamp() >= d.Deadline)
            Pump(d, timedOut: true);
    }

    /// <summary>
    /// Turns receive coalescing of <paramref name="d"/>'s source on or off; the remote side only.
    /// The client's bytes come from the relay's own TUN writes and are read in the same wake-up
    /// (<see cref="PumpFromClient"/>), so a low mark there saves nothing, and the kernel would ACK
    /// each of the client's segments at once while fewer bytes than the mark are queued (tcp_input.c,
    /// __tcp_ack_snd_check): direct:// uploads cost a fifth more CPU per GB with it.
    /// </summary>
    private static void Coalesce(Direction d, bool on)
    {
        if (d.Coalescing == on || d.Source.Kind != RelaySide.Remote)
            return;
        try
        {
            d.Source.Socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, on ? CoalescingBytes : 1);
            d.Coalescing = on;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The socket failed or is closing: the next read reports how, and reads ignore the low mark anyway.
        }
    }

    /// <summary>Sends the pending bytes of <paramref name="d"/>; false when some are left (the destination is full) or the relay ended.</summary>
    private bool Flush(Direction d)
    {
        var sentAny = false;
        while (d.HasPending)
        {
            var sent = d.Destination.Socket.Send(d.Buffer.AsSpan(d.Start, d.End - d.Start), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
                break;
            if (error != SocketError.Success)
            {
                DestinationFailed(d);
                return false;
            }
            d.Start += sent;
            d.Total += sent;
            sentAny = true;
        }
        if (sentAny && d.Destination == _client && _afterClientSend is not null)
            _loop.RunSoon(_afterClientSend);
        d.Source.Refresh();
        d.Destination.Refresh();
        return !d.HasPending;
    }

    /// <summary>The destination of <paramref name="d"/> refused more data.</summary>
    private void DestinationFailed(Direction d)
    {
        var other = d.Destination.Outgoing;
        if (!other.Finished)
        {
            Reset(d.Destination.Kind);
            return;
        }
        // The destination already sent its whole answer and FIN, then refused more data (a server
        // that answers without reading and closes). An RST now would discard that answer from our
        // socket's send queue before the other side read it; let the sender finish instead, and
        // drop what it still sends (up to a bound).
        d.Start = d.End = 0;
        d.Discarding = true;
        d.Source.Refresh();
    }

    /// <summary><paramref name="d"/>'s source finished sending: pass the FIN on.</summary>
    private void Finish(Direction d)
    {
        _first ??= d.Source.Kind;
        d.Finished = true;
        d.ReturnBuffer();
        try
        {
            d.Destination.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The destination is already gone; its own direction reports how.
        }
        if (_up.Finished && _down.Finished)
        {
            End(RelayCompletion.Normal, abort: false);
            return;
        }
        d.Source.Refresh();
    }

    /// <summary><paramref name="side"/> reset or failed: reset both, which passes the reset on.</summary>
    private void Reset(RelaySide side)
    {
        _first ??= side;
        End(side == RelaySide.Client ? RelayCompletion.ClientReset : RelayCompletion.RemoteReset, abort: true);
    }

    private void End(RelayCompletion completion, bool abort, Exception? failure = null)
    {
        _ended = true;
        _client.Close(abort);
        _remote.Close(abort);
        _up.ReturnBuffer();
        _down.ReturnBuffer();
        _cancellation.Dispose();
        if (failure is not null)
            _completion.TrySetException(failure);
        else
            _completion.TrySetResult(new RelayResult(_up.Total, _down.Total, _first ?? RelaySide.Client, completion));
    }

    /// <summary>One connection: its registration with the loop and the events it waits for.</summary>
    private sealed class Side(ConnectionRelay relay, ProxyConnection connection, RelaySide kind) : IReadinessHandler
    {
        private int _token = -1;
        private uint _interest;
        private bool _parked;

        public ProxyConnection Connection { get; } = connection;

        public Socket Socket { get; } = connection.Socket;

        public RelaySide Kind { get; } = kind;

        /// <summary>The direction this side is the source of.</summary>
        public Direction Outgoing { get; set; } = null!;

        /// <summary>The direction this side is the destination of.</summary>
        public Direction Incoming { get; set; } = null!;

        public void Open(EventLoop loop)
        {
            Socket.Blocking = false;
            _interest = Interest();
            _token = loop.Register(Socket.SafeHandle, _interest, this);
        }

        /// <summary>Watches for what the two directions wait for now: readable while this side is read, writable while bytes wait for it.</summary>
        public void Refresh()
        {
            var interest = Interest();
            if (_parked)
            {
                if (interest == 0)
                    return;
                _parked = false;
                _interest = interest;
                _token = relay._loop.Register(Socket.SafeHandle, interest, this);
                return;
            }
            if (interest == _interest || _token < 0)
                return;
            _interest = interest;
            relay._loop.Modify(Socket.SafeHandle, _token, interest);
        }

        /// <summary>
        /// Stops watching the socket until <see cref="Refresh"/> finds something to wait for: a
        /// hang-up is reported whatever the events asked for, so a socket that is hung up but not
        /// to be read yet would otherwise wake the loop over and over.
        /// </summary>
        public void Park()
        {
            Close(abort: false);
            _parked = true;
        }

        public void Close(bool abort)
        {
            _parked = false;
            if (_token >= 0)
            {
                try
                {
                    relay._loop.Unregister(Socket.SafeHandle, _token);
                }
                catch (Exception e) when (e is InteropException or ObjectDisposedException)
                {
                    // Closing below removes it from the epoll set anyway.
                }
                _token = -1;
            }
            if (abort)
                Connection.Abort();
        }

        public void OnReady(uint events) => relay.OnReady(this, events);

        private uint Interest() => (Outgoing.WantsRead ? Libc.EPOLLIN : 0) | (Incoming.HasPending ? Libc.EPOLLOUT : 0);
    }

    /// <summary>One way through the relay: the buffer in use and the bytes in it still to be sent.</summary>
    private sealed class Direction(ConnectionRelay relay, Side source, Side destination) : ITimerHandler
    {
        public Side Source { get; } = source;

        public Side Destination { get; } = destination;

        public byte[]? Buffer;

        /// <summary>Bytes per read: <see cref="BufferSize"/>, then <see cref="BulkBufferSize"/>.</summary>
        public int Size = BufferSize;

        /// <summary>The pending bytes are Buffer[Start..End].</summary>
        public int Start, End;

        /// <summary>Bytes delivered to the destination.</summary>
        public long Total;

        /// <summary>The source sent its FIN (or was cut off after draining), and it was passed on.</summary>
        public bool Finished;

        /// <summary>The destination is gone after finishing its own sending: what the source sends is dropped.</summary>
        public bool Discarding;

        public long Discarded;

        /// <summary>The source wakes the loop only for <see cref="CoalescingBytes"/> (SO_RCVLOWAT is set).</summary>
        public bool Coalescing;

        /// <summary>When a coalescing wait reads whatever has come (a <see cref="Stopwatch"/> timestamp).</summary>
        public long Deadline;

        public bool HasPending => Start < End;

        /// <summary>Whether the source is to be read: not finished, and nothing waits for the destination.</summary>
        public bool WantsRead => !Finished && !HasPending;

        public void OnTimer() => relay.OnCoalescingDeadline(this);

        public void ReturnBuffer()
        {
            if (Buffer is null)
                return;
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = null;
            Start = End = 0;
        }
    }
}
